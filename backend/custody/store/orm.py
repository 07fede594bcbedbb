"""The reference store: plain ORM queries, the meaning the PostgreSQL store must keep.

SQLite uses it (its IMMEDIATE transaction holds the write lock, so ``select_for_update``
is a no-op there); on PostgreSQL it runs as well, and the ingest tests compare the two.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import BooleanField, OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL

from backend.custody import hooks
from backend.custody.locks import carriers_for_update
from backend.custody.models import CustodyEvent
from backend.custody.store.base import Labels, Locked, Names
from backend.registry.media import Medium
from backend.registry.models import Carrier, Location, Person

# The carrier columns an ingest changes.
STATE_FIELDS = (
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


def _code_of(model: type[Person] | type[Location], column: str) -> Subquery:
    # A scalar subquery, not a join: under FOR UPDATE it is evaluated again on the row
    # version finally locked (see postgres.py on joins losing rows).
    return Subquery(model.objects.filter(id=OuterRef(column)).values("code")[:1])


class OrmStore:
    name = "orm"

    def folds_labels(self, count: int) -> bool:
        return False

    def people_and_places(
        self, people: set[str], places: set[str]
    ) -> tuple[dict[str, Person], dict[str, Location]]:
        found_people = {p.code: p for p in Person.objects.filter(code__in=people)} if people else {}
        found_places = (
            {p.code: p for p in Location.objects.filter(code__in=places)} if places else {}
        )
        return found_people, found_places

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
        people, places = self.people_and_places(*names) if names is not None else ({}, {})
        wanted = sorted(set(codes))
        carriers: list[Carrier] = []
        if wanted:
            own_id = f"{connection.ops.quote_name(Carrier._meta.db_table)}.id"
            which = Q(code__in=wanted)
            if with_media:
                # The media installed in them, locked in the same statement and order.
                which |= Q(id__in=Medium.objects.filter(host__code__in=wanted).values("carrier_id"))
            carriers = list(
                carriers_for_update()
                .filter(which)
                .annotate(
                    custodian_code=_code_of(Person, "custodian_id"),
                    location_code=_code_of(Location, "location_id"),
                    requester_code=_code_of(Person, "destroy_requested_by_id"),
                    approver_code=_code_of(Person, "destroy_approved_by_id"),
                    # The device a storage medium is installed in (lifecycle: it moves
                    # only with it).
                    host_code=Subquery(
                        Medium.objects.filter(carrier_id=OuterRef("id")).values("host__code")[:1]
                    ),
                    # SQL the apps registered at start-up (hooks.py), no request data.
                    has_open_case=RawSQL(  # noqa: S611
                        hooks.open_case_sql(own_id), (), output_field=BooleanField()
                    ),
                )
                .order_by("id")
            )
        scopes: dict[int, set[str]] = {}
        if with_scope and carriers:
            for carrier_id, person_code in Carrier.scope.through.objects.filter(
                carrier_id__in=[c.id for c in carriers]
            ).values_list("carrier_id", "person__code"):
                scopes.setdefault(carrier_id, set()).add(person_code)
        seen = set(CustodyEvent.objects.filter(id__in=list(ids)).values_list("id", flat=True))
        return Locked(carriers=carriers, seen=seen, scopes=scopes, people=people, places=places)

    def write(self, events: list[CustodyEvent], carriers: list[Carrier]) -> None:
        CustodyEvent.objects.bulk_create(events)
        Carrier.objects.bulk_update(carriers, STATE_FIELDS)
