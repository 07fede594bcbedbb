"""Moved to backend/schemas.py (the kernel, importable by every app); kept so that code
not yet updated, backend/custody/api.py among it, still imports. Import backend.schemas."""

from backend.schemas import *  # noqa: F403
