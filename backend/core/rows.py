"""Moved to :mod:`backend.rows`, below every app, so that the ledger's store (custody) can
use it without importing a top app. Kept for the callers not yet moved."""

from backend.rows import Statement, columns, from_rows, run_together

__all__ = ["Statement", "columns", "from_rows", "run_together"]
