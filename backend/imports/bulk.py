"""Plain ``INSERT … VALUES`` with ``executemany`` for many model rows at once.

``bulk_create`` compiles every value of every row through the ORM's SQL compiler, which
cost more than the database's own work for an imported register (about a millisecond a
carrier with its event). Here only the values that need the backend's conversion
(datetimes, JSON, UUIDs) go through the field; strings, numbers, dates and NULLs go as
they are. The rows are written exactly as the model's fields describe them, so nothing
the ORM would store differs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models

Convert = Callable[[Any], Any]


def _converter(field: models.Field) -> Convert | None:
    if isinstance(field, models.DateTimeField):
        # An import stamps every row with the same few instants: convert each once.
        seen: dict[datetime, Any] = {}

        def stamp(value: datetime) -> Any:
            if value not in seen:
                seen[value] = field.get_db_prep_save(value, connection)
            return seen[value]

        return stamp
    if isinstance(field, (models.JSONField, models.UUIDField)):
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def insert(model: type[models.Model], objs: Sequence[models.Model], *, now: datetime) -> None:
    """INSERT ``objs`` (without their auto primary key); ``auto_now`` fields take ``now``."""
    if not objs:
        return
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if not isinstance(f, models.AutoField)]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608 - names from the model
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    plan = []
    for f in fields:
        stamp = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        plan.append((f.attname, _converter(f), stamp))
    rows = []
    for obj in objs:
        row = []
        for attname, convert, stamp in plan:
            value = now if stamp else getattr(obj, attname)
            row.append(convert(value) if convert is not None and value is not None else value)
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
