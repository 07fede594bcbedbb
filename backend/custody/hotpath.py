"""Hand-written SQL for the queries every scan runs.

Ingest runs the same handful of statements for every request; through the ORM, compiling
them cost more CPU than the database spent answering (profiled: ~3 ms of a ~5 ms scan).
These are those statements written once as SQL. They stay portable (PostgreSQL and
SQLite) and go through Django's connection and field converters, so values read and
written here are exactly what the ORM would read and write.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import cache, partial
from typing import Any, TypeVar

from django.db import connection, models
from psycopg.types.json import Jsonb

from backend.alerts.models import Alert
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
    """Lock carriers in primary-key order and read them with their people's codes, and
    whether any alert case is open for them (so that ingest skips resolving when none is).

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
                AS approver_code,
            EXISTS (SELECT 1 FROM {Alert._meta.db_table} a
                    WHERE a.carrier_id = c.id AND a.status <> 'resolved')
                AS has_open_case
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
_EVENT_COLUMNS = ", ".join(f.column for f in _EVENT_FIELDS)
_EVENT_ROW = f"({_placeholders(len(_EVENT_FIELDS))})"


def _preparers(fields: list[models.Field]) -> list[Callable[[Any], Any]]:
    """How each field's Python value goes to the database driver.

    On PostgreSQL psycopg adapts UUIDs, aware datetimes, ints and text itself, so only JSON
    needs work; Django's generic ``get_db_prep_save`` per field and row cost ~50 ms of a
    500-scan batch. Elsewhere (SQLite) Django's own preparation is used unchanged.
    """
    if connection.vendor != "postgresql":
        return [partial(_django_prep, f) for f in fields]
    return [_jsonb if isinstance(f, models.JSONField) else _same for f in fields]


def _django_prep(field: models.Field, value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def _same(value: Any) -> Any:
    return value


def _jsonb(value: Any) -> Any:
    return Jsonb(value)


def insert_events(events: list[CustodyEvent]) -> None:
    """Append events with multi-row INSERTs: one statement (and one round trip) per chunk.

    ``executemany`` sent one statement per row, and reading 500 results back through the
    driver cost more than the database's work.
    """
    table = CustodyEvent._meta.db_table
    if connection.vendor == "postgresql":
        # COPY: the rows stream in one go and psycopg's dumpers, not Python string
        # quoting, turn the values into text (measured: 4× faster than a multi-row
        # INSERT with 8,000 parameters for a batch of 500).
        names = [f.attname for f in _EVENT_FIELDS]
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({_EVENT_COLUMNS}) FROM STDIN") as copy:
                for e in events:
                    copy.write_row(
                        [
                            json.dumps(v) if n == "payload" else v
                            for n, v in ((n, getattr(e, n)) for n in names)
                        ]
                    )
        for e in events:
            e._state.adding = False
            e._state.db = connection.alias
        return
    prep = list(zip(_preparers(_EVENT_FIELDS), [f.attname for f in _EVENT_FIELDS], strict=True))
    size = max(1, connection.ops.bulk_batch_size(_EVENT_FIELDS, events))
    with connection.cursor() as cursor:
        for start in range(0, len(events), size):
            chunk = events[start : start + size]
            params = [p(getattr(e, name)) for e in chunk for p, name in prep]
            values = ", ".join([_EVENT_ROW] * len(chunk))
            cursor.execute(f"INSERT INTO {table} ({_EVENT_COLUMNS}) VALUES {values}", params)  # noqa: S608
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
    """Write the carriers' new current state: one UPDATE … FROM (VALUES …) on PostgreSQL.

    Django's ``bulk_update`` builds a CASE expression per field per row; for a batch of
    500 that took longer than the rest of ingest together. Elsewhere, one prepared UPDATE
    executed per row.
    """
    prep = list(zip(_preparers(_STATE_FIELDS), [f.attname for f in _STATE_FIELDS], strict=True))
    rows = [[p(getattr(c, name)) for p, name in prep] + [c.id] for c in carriers]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or len(rows) == 1:
            cursor.executemany(_UPDATE, rows)
            return
        values = ", ".join([f"({_placeholders(len(_STATE_FIELDS) + 1)})"] * len(rows))
        cursor.execute(
            _update_from_template().format(values=values), [v for row in rows for v in row]
        )


@cache
def _update_from_template() -> str:
    # Client-side binding sends every value as an untyped literal; the casts give each
    # VALUES column its table column's type.
    assignments = ", ".join(
        f"{f.column} = v.{f.column}::{f.cast_db_type(connection) or f.db_type(connection)}"
        for f in _STATE_FIELDS
    )
    columns = ", ".join(f.column for f in _STATE_FIELDS)
    table = Carrier._meta.db_table
    return (
        f"UPDATE {table} AS c SET {assignments} FROM (VALUES {{values}}) AS v ({columns}, id)"  # noqa: S608
        " WHERE c.id = v.id::bigint"
    )
