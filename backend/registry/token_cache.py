"""Token rows kept for a moment in each web process, so that a desk's scans do not each
spend a database round trip on their bearer token.

Every API request authenticates; reading the token with its person or device was one of a
single scan's five round trips to PostgreSQL and ~12 % of the web process's CPU for it
(measured in process, tests/bench/bench_cost.py). A row read here is reused for at most
``CUSTOS_TOKEN_CACHE_SECONDS`` (default 2; 0 reads it every time), and only the row is
kept: expiry, revocation as read, the person's departure date and the constant-time
secret check still run on every request, against the clock of that request.

What the bound means: a token revoked, a person deactivated, or a role, clearance or
device changed **in another process** takes effect there within that many seconds. In
the process that made the change it takes effect on the next request, since any save or
delete of a token, person, device or location empties this process's rows (connected in
``registry/subscriptions.py``; a queryset ``update()`` sends no signal, which is why
``person_deactivate`` also saves the person).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

# A process holds a handful of tokens (its desks'); the bound only stops unbounded growth.
MAX_ROWS = 1024

_rows: dict[str, tuple[float, tuple[Any, ...]]] = {}
_clock = time.monotonic  # a module attribute, so that a test can move it


def token_row(prefix: str) -> tuple[Any, ...] | None:
    """The row kept for this token prefix, if it is fresh enough to use."""
    held = _rows.get(prefix)
    if held is None:
        return None
    if _clock() - held[0] >= settings.CUSTOS_TOKEN_CACHE_SECONDS:
        _rows.pop(prefix, None)
        return None
    return held[1]


def token_keep(prefix: str, row: tuple[Any, ...]) -> None:
    if settings.CUSTOS_TOKEN_CACHE_SECONDS <= 0:
        return
    if len(_rows) >= MAX_ROWS:
        _rows.clear()
    _rows[prefix] = (_clock(), row)


def tokens_forget(**_signal: Any) -> None:
    """Empty this process's rows (a token, person, device or location was written)."""
    _rows.clear()
