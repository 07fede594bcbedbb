"""The carrier lock: whoever appends to a carrier's chain or changes its state holds its
row lock first, so that its next ``seq`` is read once and the chain never forks.

Ingest locks a whole batch at once through the store (backend/custody/store); a change to
one carrier (a print, a copy, a loss report, a declassification) locks it here.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

from backend.registry.models import Carrier


def carriers_for_update() -> QuerySet[Carrier]:
    # Only the carrier's own row: no joins under FOR UPDATE, since on PostgreSQL a locked
    # row whose joined row changed while we waited can drop out of the result
    # (backend/custody/store/postgres.py). SQLite has no FOR UPDATE; its IMMEDIATE
    # transaction holds the write lock.
    if connection.features.has_select_for_update_of:
        return Carrier.objects.select_for_update(of=("self",))
    return Carrier.objects.select_for_update()


def carrier_lock(*, code: str | None = None, id: int | None = None) -> Carrier | None:
    """Lock and read the carrier with this code (or id) in the caller's transaction; None
    when there is none (the caller words the error)."""
    if code is not None and id is None:
        return carriers_for_update().filter(code=code).first()
    if id is not None and code is None:
        return carriers_for_update().filter(id=id).first()
    raise TypeError("carrier_lock takes a code or an id")
