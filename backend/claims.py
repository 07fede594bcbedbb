"""Claiming due rows with a lease, for work that several workers may run at once.

One rule for every table that holds its own due work (the alerts' deliveries and the
outboxes beside them, a case's reminders and escalation, a finding's reminder): a worker
locks up to a batch of due rows that no other worker holds (``SKIP LOCKED``) and, in the
same transaction, moves them out of the due set (a lease, or a timestamp set). Another
worker then skips them while this one works, and they come due again if it dies.

On SQLite there are no row locks; its IMMEDIATE transactions serialise the workers, and
the update runs under the same conditions as the select, so a second claim of a row
already claimed changes nothing.

The deadline sweep claims carriers with its own SQL (``alerts.sweep._claim_due``): it
is the one claim on the hot table, shaped to two partial indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet


def due_claim(
    due: QuerySet[Any], *, order_by: Sequence[str], limit: int, **update: Any
) -> list[int]:
    """Claim up to ``limit`` rows of ``due`` (a filter for the rows that are due) in
    ``order_by`` order by applying ``update`` to them; their ids. Joins the caller's
    transaction when there is one, so what it writes for the claimed rows commits with
    the claim."""
    with transaction.atomic(savepoint=False):
        rows = due
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        ids = list(rows.order_by(*order_by).values_list("pk", flat=True)[:limit])
        if ids:
            due.filter(pk__in=ids).update(**update)
    return ids
