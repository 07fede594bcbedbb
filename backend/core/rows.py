"""Moved to backend/rows.py (the kernel); kept until backend/custody imports it there."""

from backend.rows import Statement, columns, from_rows, run_together

__all__ = ["Statement", "columns", "from_rows", "run_together"]
