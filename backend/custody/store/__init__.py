"""The ledger's store: the few reads and writes every scan batch makes, behind one small
interface, so that ingest reads as business logic and the hand-written SQL for speed
stays in one place.

Two implementations give the same answers:

- :class:`~backend.custody.store.orm.OrmStore` — plain ORM, the reference; SQLite uses it.
- :class:`~backend.custody.store.postgres.PostgresStore` — the same on PostgreSQL with
  prepared statements, several statements per round trip and COPY (measured reasons in
  its module).

``CUSTOS_LEDGER_STORE`` (``auto``, ``orm`` or ``postgresql``) picks one; ``auto`` takes the
PostgreSQL store on PostgreSQL. The ingest tests run against both (tests/custody).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import connection

from backend.custody.models import CustodyEvent
from backend.custody.store.base import Labels, LedgerStore, Locked, Names
from backend.custody.store.orm import OrmStore
from backend.custody.store.postgres import PostgresStore

__all__ = ["Labels", "LedgerStore", "Locked", "Names", "ledger_store", "recorded_events"]

_STORES: dict[str, LedgerStore] = {"orm": OrmStore(), "postgresql": PostgresStore()}


def ledger_store() -> LedgerStore:
    chosen = getattr(settings, "CUSTOS_LEDGER_STORE", "auto")
    if chosen == "auto":
        chosen = "postgresql" if connection.vendor == "postgresql" else "orm"
    return _STORES[chosen]


def recorded_events(ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, CustodyEvent]:
    """The recorded events with these ids, with everything an answer names. Both stores
    share it: duplicates are rare, and the full rows need a six-way join."""
    return {
        e.id: e
        for e in CustodyEvent.objects.select_related(
            "carrier", "actor", "counterpart", "escort", "location", "device"
        ).filter(id__in=list(ids))
    }
