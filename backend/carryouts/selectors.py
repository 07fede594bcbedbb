"""Reads of carry-out requests, limited to who may see them: the requester, the people
carrying, and the roles that decide, hand out or oversee (approver, clerk, committee)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from backend.carryouts.models import CarryOut
from backend.errors import ServiceError
from backend.registry.principals import Principal

_OVERSEERS = ("approver", "clerk", "committee")


def _visible(principal: Principal) -> QuerySet[CarryOut]:
    requests = CarryOut.objects.select_related("requester", "decided_by").prefetch_related(
        "items__carrier", "items__with_host", "people"
    )
    person = principal.person
    if person is None:
        return requests.none()
    if principal.has_role(*_OVERSEERS):
        return requests
    return requests.filter(Q(requester=person) | Q(people=person)).distinct()


def carry_out_get(*, principal: Principal, carry_out_id: int) -> CarryOut:
    request = _visible(principal).filter(id=carry_out_id).first()
    if request is None:
        raise ServiceError(
            "not_found", _("There is no carry-out request %(id)s.") % {"id": carry_out_id}
        )
    return request


def carry_out_list(
    *, principal: Principal, status: str | None = None, limit: int = 100
) -> list[CarryOut]:
    requests = _visible(principal)
    if status:
        requests = requests.filter(status=status)
    return list(requests.order_by("-id")[:limit])
