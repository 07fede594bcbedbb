"""Hand-written SQL for the queries every scan runs.

Ingest runs the same handful of statements for every request; through the ORM, compiling
them cost more CPU than the database spent answering (profiled: ~3 ms of a ~5 ms scan).
These are those statements written once as SQL. They stay portable (PostgreSQL and
SQLite) and go through Django's connection and field converters, so values read and
written here are exactly what the ORM would read and write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection, models

from backend.custody.models import CustodyEvent
from backend.registry.models import Carrier, Location, Person

M = TypeVar("M", bound=models.Model)


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def by_codes(model: type[M], codes: Iterable[str]) -> dict[str, M]:
    """Rows of ``model`` by their ``code``, one query, no ORM compilation."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    table = model._meta.db_table
    rows = model.objects.raw(
        f"SELECT * FROM {table} WHERE code IN ({_placeholders(len(wanted))})",  # noqa: S608 - table is a constant
        wanted,
    )
    return {row.code: row for row in rows}  # type: ignore[attr-defined]


def lock_carriers(codes: Iterable[str]) -> list[Carrier]:
    """Lock carriers in primary-key order and read them with their people's codes.

    The codes come from scalar subqueries, not joins: a ``FOR UPDATE`` with joins loses
    rows on PostgreSQL — when it waits for a row that another transaction gives a new
    custodian, the re-check of the join uses the old joined row and drops the carrier.
    Subqueries in the select list are evaluated again on the row version finally locked.
    On SQLite there is no FOR UPDATE; the IMMEDIATE transaction has the write lock.
    """
    wanted = sorted(set(codes))
    if not wanted:
        return []
    lock = " FOR UPDATE OF c" if connection.features.has_select_for_update_of else ""
    sql = f"""
        SELECT c.*,
            (SELECT p.code FROM {Person._meta.db_table} p WHERE p.id = c.custodian_id)
                AS custodian_code,
            (SELECT l.code FROM {Location._meta.db_table} l WHERE l.id = c.location_id)
                AS location_code,
            (SELECT p.code FROM {Person._meta.db_table} p WHERE p.id = c.destroy_requested_by_id)
                AS requester_code,
            (SELECT p.code FROM {Person._meta.db_table} p WHERE p.id = c.destroy_approved_by_id)
                AS approver_code
        FROM {Carrier._meta.db_table} c
        WHERE c.code IN ({_placeholders(len(wanted))})
        ORDER BY c.id{lock}
    """  # noqa: S608 - table names are constants
    return list(Carrier.objects.raw(sql, wanted))


def recorded_ids(ids: Sequence[Any]) -> set[Any]:
    """Which of these event ids are already in the ledger."""
    if not ids:
        return set()
    field = CustodyEvent._meta.pk
    assert field is not None  # noqa: S101 - the model has a primary key
    prepared = [field.get_db_prep_value(i, connection) for i in ids]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {CustodyEvent._meta.db_table} WHERE id IN ({_placeholders(len(ids))})",  # noqa: S608
            prepared,
        )
        return {field.to_python(row[0]) for row in cursor.fetchall()}


_EVENT_FIELDS = list(CustodyEvent._meta.concrete_fields)
_INSERT = "INSERT INTO {table} ({columns}) VALUES ({values})".format(  # noqa: S608 - constants
    table=CustodyEvent._meta.db_table,
    columns=", ".join(f.column for f in _EVENT_FIELDS),
    values=_placeholders(len(_EVENT_FIELDS)),
)


def insert_events(events: list[CustodyEvent]) -> None:
    """Append events with one prepared INSERT, executed many times (pipelined by psycopg)."""
    rows = [
        [f.get_db_prep_save(getattr(e, f.attname), connection) for f in _EVENT_FIELDS]
        for e in events
    ]
    with connection.cursor() as cursor:
        cursor.executemany(_INSERT, rows)
    for e in events:
        e._state.adding = False
        e._state.db = connection.alias


_STATE_FIELDS = [
    Carrier._meta.get_field(name)
    for name in (
        "status",
        "custodian",
        "location",
        "due_at",
        "destroy_requested_by",
        "destroy_approved_by",
        "witnesses",
        "seq",
        "head_hash",
        "last_occurred_at",
        "updated_at",
    )
]
_UPDATE = "UPDATE {table} SET {assignments} WHERE id = %s".format(  # noqa: S608 - constants
    table=Carrier._meta.db_table,
    assignments=", ".join(f"{f.column} = %s" for f in _STATE_FIELDS),
)


def save_states(carriers: list[Carrier]) -> None:
    """Write the carriers' new current state with one prepared UPDATE, executed many times.

    Django's ``bulk_update`` builds a CASE expression per field per row; for a batch of
    500 that took longer than the rest of ingest together.
    """
    rows = [
        [f.get_db_prep_save(getattr(c, f.attname), connection) for f in _STATE_FIELDS] + [c.id]
        for c in carriers
    ]
    with connection.cursor() as cursor:
        cursor.executemany(_UPDATE, rows)
