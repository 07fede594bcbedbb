"""The unit's key folder: private keys live in files here, never in a database table.

A key that sat in a table would be in every backup and readable by whoever administers the
database, the very person a signed checkpoint must be able to catch. The folder is
``CUSTOS_KEY_DIR`` (default ``var/keys``), created readable by the service's user only.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def key_dir() -> Path:
    """The key folder, created with mode 0700 when it does not exist yet."""
    path = Path(settings.CUSTOS_KEY_DIR)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path
