"""The ledger's store on PostgreSQL: the reference store's reads and writes, hand-written
for speed.

Ingest runs the same handful of statements for every request; through the ORM, compiling
them cost more CPU than the database spent answering (profiled: ~3 ms of a ~5 ms scan).
Here they are written once as SQL, prepared once per session, sent several to a round
trip (:func:`backend.rows.run_together`), and a batch's events go in with COPY. Values go
through Django's field converters, so what is read and written is exactly what the ORM
(:mod:`backend.custody.store.orm`, the reference) reads and writes; the ingest tests run
against both stores.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, cast

import psycopg
from django.db import connection, models
from psycopg.types.json import Jsonb

from backend.custody import hooks
from backend.custody.models import CustodyEvent
from backend.custody.store.base import Labels, Locked, Names
from backend.custody.store.orm import STATE_FIELDS
from backend.registry.media import Medium
from backend.registry.models import Carrier, Location, Person
from backend.rows import Statement, columns, from_rows, one_of, run_together


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def _by_codes(model: type[Person] | type[Location], codes: Iterable[str]) -> Statement:
    test, params = one_of("t.code", sorted(set(codes)), "text")
    table = model._meta.db_table
    return f"SELECT {columns(model, 't')} FROM {table} t WHERE {test}", params  # noqa: S608 - constants


_LOCKED_EXTRA = (
    "custodian_code",
    "location_code",
    "requester_code",
    "approver_code",
    "host_code",
    "has_open_case",
)


@cache
def _lock_sql(
    with_scope: bool, codes: str, by_label: str | None, open_case: str, with_media: bool = False
) -> str:
    """Lock carriers in primary-key order and read them with their people's codes, and
    whether anything watched is open for them (hooks.open_case_sql), so that ingest skips
    the ``condition_ended`` handlers when nothing is.

    The codes come from scalar subqueries, not joins: a ``FOR UPDATE`` with joins loses
    rows on PostgreSQL — when it waits for a row that another transaction gives a new
    custodian, the re-check of the join uses the old joined row and drops the carrier.
    Subqueries in the select list are evaluated again on the row version finally locked.

    ``with_media``: the storage media installed in the scanned carriers are locked too, in
    the same statement and so in the same primary-key order (a device's move appends to
    their chains; locking them afterwards could deadlock with a batch holding a medium and
    waiting for its device).
    """
    person, scope = Person._meta.db_table, Carrier.scope.through._meta.db_table
    scope_column = (
        f""",
            ARRAY(SELECT p.code FROM {scope} s JOIN {person} p ON p.id = s.person_id
                  WHERE s.carrier_id = c.id) AS scope_codes"""  # noqa: S608 - constants
        if with_scope
        else ""
    )
    which = codes.format(column="c.code")
    scanned = f"SELECT o.id FROM {Carrier._meta.db_table} o WHERE {codes.format(column='o.code')}"  # noqa: S608 - constants
    if by_label is not None:
        # A union of two index lookups: an OR of the two tests would scan the table.
        scanned = f"{scanned} UNION ALL {by_label}"
        which = f"c.id IN ({scanned})"
    if with_media:
        which = (
            f"c.id IN (WITH b (id) AS ({scanned}) SELECT id FROM b UNION ALL"  # noqa: S608 - constants
            f" SELECT m.carrier_id FROM {Medium._meta.db_table} m"
            " WHERE m.host_id IN (SELECT id FROM b))"
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
            (SELECT h.code FROM {Medium._meta.db_table} m
                JOIN {Carrier._meta.db_table} h ON h.id = m.host_id
                WHERE m.carrier_id = c.id) AS host_code,
            ({open_case}) AS has_open_case{scope_column}
        FROM {Carrier._meta.db_table} c
        WHERE {which}
        ORDER BY c.id FOR UPDATE OF c
    """  # noqa: S608 - table names are constants


# A few events go in as single-row statements in one round trip; from this many on, COPY
# and one UPDATE … FROM VALUES (a batch) are cheaper. Few scans also resolve their label
# codes under the locks, the lookup riding with the lock query; a big batch resolves them
# first, in one query: a lock query that also follows 500 label codes cost the server
# more than it saved.
FEW = 16


class PostgresStore:
    name = "postgresql"

    def folds_labels(self, count: int) -> bool:
        return count < FEW

    def people_and_places(
        self, people: set[str], places: set[str]
    ) -> tuple[dict[str, Person], dict[str, Location]]:
        # One round trip for both, none if the token's person and place are all it names.
        reads = _name_reads((people, places))
        return _found((people, places), run_together(reads) if reads else [])

    def lock(
        self,
        codes: Iterable[str],
        ids: Sequence[uuid.UUID],
        *,
        with_scope: bool,
        labels: Labels | None = None,
        with_media: bool = False,
        names: Names | None = None,
    ) -> Locked:
        """Both reads in one round trip, the scope riding on the lock query; the id check
        still runs after the locks are granted (see :func:`backend.rows.run_together`).
        The label lookup and the people and places named, if any, join the round trip;
        their rows come back last. When ingest owns the transaction, its ``BEGIN`` leads the
        round trip (:func:`_begin_here`)."""
        wanted = sorted(set(codes))
        if not wanted:
            people, places = self.people_and_places(*names) if names else ({}, {})
            return Locked(carriers=[], seen=_recorded_ids(ids), people=people, places=places)
        open_case = hooks.open_case_sql("c.id")
        # ``{column}`` IN (%s, …) or = ANY(%s::text[]): rows.one_of, once per column.
        test, params = one_of("{column}", wanted, "text")
        lock: Statement = (_lock_sql(with_scope, test, None, open_case, with_media), params)
        if labels is not None:
            # The label SQL has a placeholder per code (hooks.CodeResolver.carriers_sql).
            lock = (_lock_sql(with_scope, test, labels[1], open_case, with_media), params + wanted)
        begin = _begin_here()
        reads = _name_reads(names) if names is not None else []
        answers = run_together(
            [
                *begin,
                lock,
                _seen(ids),
                *([labels[0]] if labels is not None else []),
                *reads,
            ]
        )
        answers = answers[len(begin) :]
        people, places = _found(names, answers[len(answers) - len(reads) :]) if names else ({}, {})
        locked, seen, *label_rows = answers[: len(answers) - len(reads)]
        extra = _LOCKED_EXTRA + (("scope_codes",) if with_scope else ())
        carriers = from_rows(Carrier, locked, extra)
        scopes = {c.id: set(c.scope_codes) for c in carriers} if with_scope else {}  # type: ignore[attr-defined]  # lock annotation
        return Locked(
            carriers=carriers,
            seen={row[0] for row in seen},
            scopes=scopes,
            label_rows=label_rows[0] if label_rows else [],
            people=people,
            places=places,
        )

    def write(self, events: list[CustodyEvent], carriers: list[Carrier]) -> None:
        """If the caller's atomic block is the outermost one, the COMMIT travels with the
        writes (one round trip fewer per scan); Django's commit at the end of the block
        finds the transaction closed and psycopg sends nothing. A failing write skips the
        COMMIT, and the block rolls back."""
        if len(events) >= FEW:
            _insert_events(events)
            _save_states(carriers)
            return
        commit: list[Statement] = [("COMMIT", [])] if _outermost() else []
        event_prep, state_prep = _prep(tuple(_EVENT_FIELDS)), _prep(tuple(_STATE_FIELDS))
        insert = f"INSERT INTO {CustodyEvent._meta.db_table} ({_EVENT_COLUMNS}) VALUES {_EVENT_ROW}"  # noqa: S608
        run_together(
            [(insert, [p(getattr(e, name)) for p, name in event_prep]) for e in events]
            + [
                (_UPDATE, [p(getattr(c, name)) for p, name in state_prep] + [c.id])
                for c in carriers
            ]
            + commit
        )
        _saved(events)


def _saved(events: list[CustodyEvent]) -> None:
    for e in events:
        e._state.adding = False
        e._state.db = connection.alias


def _outermost() -> bool:
    # Exactly one atomic block, which will commit on exit: the transaction holds only the
    # caller's work (not a test's wrapping transaction, not an outer service's), and no
    # on-commit callback waits for Django's own commit.
    return (
        len(connection.atomic_blocks) == 1
        and connection.commit_on_exit
        and not connection.needs_rollback
        and not connection.run_on_commit
    )


def _name_reads(names: Names) -> list[Statement]:
    people, places = names
    reads = []
    if people:
        reads.append(_by_codes(Person, people))
    if places:
        reads.append(_by_codes(Location, places))
    return reads


def _found(
    names: Names, answers: list[list[tuple[Any, ...]]]
) -> tuple[dict[str, Person], dict[str, Location]]:
    """The rows of :func:`_name_reads`' statements, by code."""
    rows = iter(answers)
    people, places = names
    found_people = {p.code: p for p in (from_rows(Person, next(rows)) if people else [])}
    found_places = {p.code: p for p in (from_rows(Location, next(rows)) if places else [])}
    return found_people, found_places


def _begin_here() -> list[Statement]:
    """``BEGIN``, to send with the transaction's first statements, when ingest owns the
    transaction and nothing has run in it yet; else nothing.

    psycopg opens a transaction by sending ``BEGIN`` on its own, a round trip before the
    first statement: one of a single scan's round trips, on the hot path, for one word.
    Here the ``BEGIN`` travels with the lock instead. psycopg is switched to autocommit
    first so that it sends none of its own (it reads the server's transaction status, not
    its own flag, to commit or roll back, so Django's COMMIT and ROLLBACK at the end of the
    block still work), and Django's own switch back to autocommit at the end of the
    block leaves it as it found it. Only for the default isolation and access mode, which
    a plain ``BEGIN`` gives.
    """
    if not _outermost():
        return []
    raw = connection.connection
    if (
        raw is None
        or raw.autocommit
        or raw.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE
        or raw.isolation_level is not None
        or raw.read_only is not None
        or raw.deferrable is not None
    ):
        return []
    raw.autocommit = True
    return [("BEGIN", [])]


def _recorded_ids(ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    if not ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(*_seen(ids))
        return {row[0] for row in cursor.fetchall()}


def _seen(ids: Sequence[uuid.UUID]) -> Statement:
    test, params = one_of("id", ids, "uuid")
    return f"SELECT id FROM {CustodyEvent._meta.db_table} WHERE {test}", params  # noqa: S608 - constants


_EVENT_FIELDS = list(CustodyEvent._meta.concrete_fields)
_EVENT_COLUMNS = ", ".join(f.column for f in _EVENT_FIELDS)
_EVENT_ROW = f"({_placeholders(len(_EVENT_FIELDS))})"


def _same(value: Any) -> Any:
    return value


def _jsonb(value: Any) -> Any:
    return Jsonb(value)


@cache
def _prep(fields: tuple[models.Field, ...]) -> list[tuple[Callable[[Any], Any], str]]:
    # psycopg adapts UUIDs, aware datetimes, ints and text itself, so only JSON needs
    # work; Django's generic ``get_db_prep_save`` per field and row cost ~50 ms of a
    # 500-scan batch.
    return [(_jsonb if isinstance(f, models.JSONField) else _same, f.attname) for f in fields]


def _insert_events(events: list[CustodyEvent]) -> None:
    """COPY: the rows stream in one go and psycopg's dumpers, not Python string quoting,
    turn the values into text (measured: 4× faster than a multi-row INSERT with 8,000
    parameters for a batch of 500)."""
    names = [f.attname for f in _EVENT_FIELDS]
    table = CustodyEvent._meta.db_table
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
    _saved(events)


# cast: get_field may answer a relation's reverse side; the state fields are own columns.
_STATE_FIELDS = [cast(models.Field, Carrier._meta.get_field(name)) for name in STATE_FIELDS]
_UPDATE = "UPDATE {table} SET {assignments} WHERE id = %s".format(  # noqa: S608 - constants
    table=Carrier._meta.db_table,
    assignments=", ".join(f"{f.column} = %s" for f in _STATE_FIELDS),
)


def _save_states(carriers: list[Carrier]) -> None:
    """One UPDATE … FROM unnest(…), an array per column: Django's ``bulk_update`` builds
    a CASE expression per field per row; for a batch of 500 that took longer than the rest
    of ingest together."""
    prep = _prep(tuple(_STATE_FIELDS))
    with connection.cursor() as cursor:
        if len(carriers) == 1:
            cursor.execute(
                _UPDATE, [p(getattr(carriers[0], n)) for p, n in prep] + [carriers[0].id]
            )
            return
        arrays = [[p(getattr(c, name)) for c in carriers] for p, name in prep]
        cursor.execute(_update_from(), [*arrays, [c.id for c in carriers]])


@cache
def _update_from() -> str:
    # Client-side binding sends each array as an untyped literal; the casts give each
    # column its table column's type.
    arrays = ", ".join(
        f"%s::{f.cast_db_type(connection) or f.db_type(connection)}[]"  # type: ignore[attr-defined]  # Field.cast_db_type exists; django-stubs omits it
        for f in _STATE_FIELDS
    )
    assignments = ", ".join(f"{f.column} = v.{f.column}" for f in _STATE_FIELDS)
    names = ", ".join(f.column for f in _STATE_FIELDS)
    table = Carrier._meta.db_table
    return (
        f"UPDATE {table} AS c SET {assignments}"  # noqa: S608 - constants
        f" FROM unnest({arrays}, %s::bigint[]) AS v ({names}, id) WHERE c.id = v.id"
    )
