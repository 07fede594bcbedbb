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
from backend.core.rows import Statement, columns, from_rows, run_together
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


def pipelined() -> bool:
    """Whether several statements travel to the server in one round trip (PostgreSQL)."""
    return connection.vendor == "postgresql"


def by_codes_statement(model: type[M], codes: Iterable[str]) -> Statement:
    """The read of :func:`by_codes` (``codes`` not empty), for :func:`run_together`."""
    wanted = sorted(set(codes))
    table = model._meta.db_table
    return (
        f"SELECT {columns(model, 't')} FROM {table} t"  # noqa: S608 - table is a constant
        f" WHERE t.code IN ({_placeholders(len(wanted))})",
        wanted,
    )


_LOCKED_EXTRA = (
    "custodian_code",
    "location_code",
    "requester_code",
    "approver_code",
    "has_open_case",
)


@cache
def _lock_sql(with_scope: bool, count: int, by_label: str | None = None) -> str:
    person, scope = Person._meta.db_table, Carrier.scope.through._meta.db_table
    scope_column = (
        f""",
            ARRAY(SELECT p.code FROM {scope} s JOIN {person} p ON p.id = s.person_id
                  WHERE s.carrier_id = c.id) AS scope_codes"""  # noqa: S608 - constants
        if with_scope
        else ""
    )
    which = f"c.code IN ({_placeholders(count)})"
    if by_label is not None:
        # A union of two index lookups: an OR of the two tests would scan the table.
        which = (
            f"c.id IN (SELECT o.id FROM {Carrier._meta.db_table} o"  # noqa: S608 - constants
            f" WHERE o.code IN ({_placeholders(count)}) UNION ALL {by_label})"
        )
    return f"""
        SELECT {columns(Carrier, "c")},
            (SELECT p.code FROM {person} p WHERE p.id = c.custodian_id) AS custodian_code,
            (SELECT l.code FROM {Location._meta.db_table} l WHERE l.id = c.location_id)
                AS location_code,
            (SELECT p.code FROM {person} p WHERE p.id = c.destroy_requested_by_id)
                AS requester_code,
            (SELECT p.code FROM {person} p WHERE p.id = c.destroy_approved_by_id)
                AS approver_code,
            EXISTS (SELECT 1 FROM {Alert._meta.db_table} a
                    WHERE a.carrier_id = c.id AND a.status <> 'resolved')
                AS has_open_case{scope_column}
        FROM {Carrier._meta.db_table} c
        WHERE {which}
        ORDER BY c.id FOR UPDATE OF c
    """  # noqa: S608 - table names are constants


def lock_and_find(
    codes: Iterable[str],
    ids: Sequence[Any],
    *,
    with_scope: bool,
    labels: tuple[Statement, str] | None = None,
) -> tuple[list[Carrier], set[Any], dict[int, set[str]], list[tuple[Any, ...]]]:
    """Lock the carriers (as :func:`lock_carriers`), then find which event ids are already
    recorded and, if asked, each carrier's knowledge scope (badge codes).

    On PostgreSQL both reads go in one round trip and the scope rides on the lock query;
    the id check still runs after the locks are granted (see :func:`run_together`).
    ``labels`` (PostgreSQL): the printed-label lookup of these codes, which joins the
    round trip, and the SQL of the carrier ids those labels name, which are locked too;
    its rows come back last. Elsewhere the reads run one after the other.
    """
    wanted = sorted(set(codes))
    if not pipelined() or not wanted or not ids:
        carriers = lock_carriers(wanted)
        scopes: dict[int, set[str]] = {}
        if with_scope and carriers:
            for carrier_id, person_code in Carrier.scope.through.objects.filter(
                carrier_id__in=[c.id for c in carriers]
            ).values_list("carrier_id", "person__code"):
                scopes.setdefault(carrier_id, set()).add(person_code)
        return carriers, recorded_ids(ids), scopes, []
    lock: Statement = (_lock_sql(with_scope, len(wanted)), wanted)
    if labels is not None:
        lock = (_lock_sql(with_scope, len(wanted), labels[1]), wanted + wanted)
    locked, seen, *label_rows = run_together(
        [
            lock,
            (
                f"SELECT id FROM {CustodyEvent._meta.db_table}"  # noqa: S608 - a constant
                f" WHERE id IN ({_placeholders(len(ids))})",
                list(ids),
            ),
            *([labels[0]] if labels is not None else []),
        ]
    )
    extra = _LOCKED_EXTRA + (("scope_codes",) if with_scope else ())
    carriers = from_rows(Carrier, locked, extra)
    scopes = {c.id: set(c.scope_codes) for c in carriers} if with_scope else {}  # type: ignore[attr-defined]
    return carriers, {row[0] for row in seen}, scopes, label_rows[0] if label_rows else []


# A few events go in as single-row statements in one round trip; from this many on, COPY
# and one UPDATE … FROM VALUES (a batch) are cheaper.
FEW = 16


def append(events: list[CustodyEvent], carriers: list[Carrier], *, last: bool = False) -> None:
    """Insert the new events and write the carriers' new state.

    ``last``: nothing else is written in this transaction. If the caller's atomic block is
    also the outermost one, the COMMIT then travels with the writes (one round trip fewer
    per scan); Django's commit at the end of the block finds the transaction closed and
    psycopg sends nothing. A failing write skips the COMMIT, and the block rolls back.
    """
    if not pipelined() or len(events) >= FEW:
        insert_events(events)
        save_states(carriers)
        return
    commit = [("COMMIT", [])] if last and _outermost() else []
    event_prep, state_prep = _prep(tuple(_EVENT_FIELDS)), _prep(tuple(_STATE_FIELDS))
    insert = f"INSERT INTO {CustodyEvent._meta.db_table} ({_EVENT_COLUMNS}) VALUES {_EVENT_ROW}"  # noqa: S608
    run_together(
        [(insert, [p(getattr(e, name)) for p, name in event_prep]) for e in events]
        + [(_UPDATE, [p(getattr(c, name)) for p, name in state_prep] + [c.id]) for c in carriers]
        + commit
    )
    for e in events:
        e._state.adding = False
        e._state.db = connection.alias


def _outermost() -> bool:
    # Exactly one atomic block, which will commit on exit: the transaction holds only the
    # caller's work (not a test's wrapping transaction, not an outer service's).
    return (
        len(connection.atomic_blocks) == 1
        and connection.commit_on_exit
        and not connection.needs_rollback
        and not connection.run_on_commit
    )


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


@cache
def _prep(fields: tuple[models.Field, ...]) -> list[tuple[Callable[[Any], Any], str]]:
    return list(zip(_preparers(list(fields)), [f.attname for f in fields], strict=True))


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
