"""Model instances from rows read with hand-written SQL.

``Model.objects.raw`` works out on every call which column feeds which field, asking the
driver for the result's description; psycopg builds an object per column for it. On the
two queries every scan makes (the token, the locked carriers) that bookkeeping cost more
CPU than the queries (measured). Here the SQL lists the model's columns in field order,
so nothing needs working out: rows become instances as ``from_db`` expects, with the same
converters the ORM applies.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

M = TypeVar("M", bound=models.Model)


@cache
def columns(model: type[models.Model], alias: str) -> str:
    """The model's concrete columns in field order, qualified by ``alias``: the SELECT list
    :func:`from_rows` expects first."""
    return ", ".join(f"{alias}.{f.column}" for f in model._meta.concrete_fields)


def from_rows(model: type[M], rows: Sequence[Sequence[Any]], extra: Sequence[str] = ()) -> list[M]:
    """Instances from rows that begin with :func:`columns`; the columns after them become
    the attributes named in ``extra``, as the database driver returned them (as ``raw``
    leaves annotations)."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the ``connection`` proxy costs
    fields = model._meta.concrete_fields
    convert = _converters(model, db.vendor)
    n, alias = len(fields), db.alias
    out: list[M] = []
    for row in rows:
        values = list(row[:n])
        for i, col, funcs in convert:
            for f in funcs:
                values[i] = f(values[i], col, db)
        # None for the field names: values hold every concrete field, so Django reads none.
        obj = model.from_db(alias, None, values)  # type: ignore[arg-type]  # see above
        for name, value in zip(extra, row[n:], strict=True):
            setattr(obj, name, value)
        out.append(obj)
    return out


@cache
def _converters(
    model: type[models.Model], vendor: str
) -> list[tuple[int, Any, list[Callable[..., Any]]]]:
    # What the ORM applies to each column it reads: the backend's (SQLite's text dates,
    # for one) and the field's own (JSON text to Python).
    table = model._meta.db_table
    out = []
    for i, f in enumerate(model._meta.concrete_fields):
        col = f.get_col(table)
        funcs = connection.ops.get_db_converters(col) + f.get_db_converters(connection)  # type: ignore[attr-defined]  # Field has it; django-stubs lists it on expressions only
        if funcs:
            out.append((i, col, funcs))
    return out


Statement = tuple[str, Sequence[Any]]

# Statements with more parameters than this are batch-shaped (their text changes with the
# batch's size); each would be prepared once and rarely used again, so they are not.
PREPARE_MAX_PARAMS = 16


def one_of(column: str, values: Sequence[Any], array_type: str) -> tuple[str, list[Any]]:
    """The test that ``column`` is one of ``values``, and its parameters. PostgreSQL only.

    A few values get a placeholder each (``IN (%s, …)``): prepared, that statement gets a
    generic plan and is never planned again. More get one array parameter
    (``= ANY(%s::type[])``): psycopg splits a query's text in Python on every call, and
    for a batch of 500 a placeholder per value made that the largest client-side cost
    (profiled). The array costs a fresh plan at each execution (PostgreSQL will not
    trust a generic plan over an array parameter): nothing beside a batch, but ~0.4 ms of
    a single scan's ~0.5 ms of database time, which is why few values keep their
    placeholders.
    """
    if len(values) <= PREPARE_MAX_PARAMS:
        return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)
    return f"{column} = ANY(%s::{array_type}[])", [list(values)]


def run_together(statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    """Run statements in one round trip and return each one's rows (empty for writes).
    PostgreSQL only.

    A single scan used to make about twelve round trips; on this 2-core machine each one
    costs context switches and per-message work on both sides, more than the statements
    themselves. Django's client-side binding sends the statements as one simple-protocol
    query; the server runs them in order, each with its own snapshot, so a read after a
    ``FOR UPDATE`` still sees what committed while the lock was awaited. Errors surface
    as Django's database exceptions.

    Statements with parameters run as ``EXECUTE`` of a statement this connection prepared
    (SQL ``PREPARE``, once per connection): parsing and planning the lock query cost the
    server more CPU than running it (measured: ~0.3 ms of ~0.45 ms). psycopg's own
    prepared statements need the extended protocol, one statement per message, or its
    pipeline mode, whose Python bookkeeping cost more than it saved (measured).
    """
    db = connections[DEFAULT_DB_ALIAS]
    known = _prepared_here(db)
    parts: list[str] = []
    params: list[Any] = []
    missing: dict[str, str] = {}
    for sql, values in statements:
        params.extend(values)
        if not values or len(values) > PREPARE_MAX_PARAMS:
            parts.append(sql)
            continue
        name = _name(sql)
        if name not in known:
            missing[name] = sql
        parts.append(f"EXECUTE {name}({', '.join(['%s'] * len(values))})")
    with db.cursor() as cursor:
        if missing:
            # Alone, before the statements that use them: a PREPARE outlives a rollback, so
            # it is recorded as done only once it has run.
            cursor.execute(
                ";\n".join(f"PREPARE {n} AS {_numbered(sql)}" for n, sql in missing.items())
            )
            known.update(missing)
        cursor.execute(";\n".join(parts), params)
        raw = cursor.cursor  # psycopg's cursor: the results after the first
        out: list[list[tuple[Any, ...]]] = []
        while True:
            result = raw.pgresult
            tuples = result is not None and result.status == psycopg.pq.ExecStatus.TUPLES_OK
            out.append(raw.fetchall() if tuples else [])
            if not raw.nextset():
                return out


def _prepared_here(db: Any) -> set[str]:
    # The names PREPAREd on the current database session; a new session starts empty.
    db.ensure_connection()
    session = db.connection
    held = getattr(db, "_custos_prepared", None)
    if held is None or held[0] is not session:
        held = (session, set())
        db._custos_prepared = held
    return held[1]


@cache
def _name(sql: str) -> str:
    # Named by the text: the same statement gets the same name in every session.
    return "custos_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:16]


@cache
def _numbered(sql: str) -> str:
    # ``%s`` placeholders (client-side binding) to PREPARE's ``$1``, ``$2``…
    counter = itertools.count(1)
    return re.sub(r"%s", lambda _: f"${next(counter)}", sql)
