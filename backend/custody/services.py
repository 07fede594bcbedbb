"""Writes to the ledger, by job: the names other apps call, gathered in one place.

- :mod:`backend.custody.ingest` — recording scans (``scans_ingest``);
- :mod:`backend.custody.events` — building and appending events (``ledger_append``,
  ``ledger_open``);
- :mod:`backend.custody.checks` — a scan's own checks and the deadline ``policy``;
- :mod:`backend.custody.store` — the reads and writes every batch makes;
- :mod:`backend.custody.hooks` — what apps above custody do when the ledger grows.
"""

from __future__ import annotations

from backend.custody.checks import policy
from backend.custody.events import ledger_append, ledger_open
from backend.custody.ingest import scans_ingest
from backend.custody.scans import MAX_BATCH, ScanIn, ScanResult

__all__ = [
    "MAX_BATCH",
    "ScanIn",
    "ScanResult",
    "ledger_append",
    "ledger_open",
    "policy",
    "scans_ingest",
]
