"""Reads of the registry, filtered to what the caller may see."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.registry.models import Carrier, Location, Person
from backend.registry.policy import knowable, may_read_carriers, record_reads
from backend.registry.principals import Principal
from backend.registry.texts import code_error_text, field_word
from labels.codes import CodeError, Kind, parse, read_typed


def code_or_error(raw: str, kind: Kind, what: str) -> str:
    try:
        # Codes arrive here typed by people too (forms, the address bar): look-alike
        # letters are read as the digits they stand for (labels.codes.read_typed).
        return parse(read_typed(raw), kind=kind).text
    except CodeError as exc:
        raise ServiceError(
            exc.reason,
            _("%(field)s: %(problem)s")
            % {"field": field_word(what), "problem": code_error_text(exc)},
            {"field": what},
        ) from None


def person_by_code(raw: str, what: str = "person") -> Person:
    code = code_or_error(raw, Kind.PERSON, what)
    person = Person.objects.filter(code=code).first()
    if person is None:
        raise ServiceError(
            "unknown_code", _("No person has the badge %(code)s.") % {"code": code}, {"code": code}
        )
    return person


def location_by_code(raw: str, what: str = "location") -> Location:
    code = code_or_error(raw, Kind.LOCATION, what)
    location = Location.objects.filter(code=code).first()
    if location is None:
        raise ServiceError(
            "unknown_code", _("No location has the code %(code)s.") % {"code": code}, {"code": code}
        )
    return location


def _carriers() -> QuerySet[Carrier]:
    return Carrier.objects.select_related(
        "custodian", "location", "parent", "medium", "medium__host"
    ).prefetch_related("scope")


def carrier_get(*, principal: Principal, code: str) -> Carrier:
    if not may_read_carriers(principal):
        raise ServiceError("forbidden", _("Your roles do not include reading carriers."))
    text = code_or_error(code, Kind.CARRIER, "code")
    carrier = _carriers().filter(code=text).first()
    if carrier is None:
        raise ServiceError(
            "unknown_code", _("No carrier has the code %(code)s.") % {"code": text}, {"code": text}
        )
    record_reads(principal, [carrier], what="carrier")  # Reg Art. 20 access log
    return carrier


def carrier_list(
    *,
    principal: Principal,
    status: str | None = None,
    level: str | None = None,
    custodian: str | None = None,
    location: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Carrier], int]:
    if not may_read_carriers(principal):
        raise ServiceError("forbidden", _("Your roles do not include reading carriers."))
    qs = _carriers()
    if status:
        qs = qs.filter(status=status)
    if level:
        qs = qs.filter(level=level)
    if custodian:
        qs = qs.filter(custodian__code=code_or_error(custodian, Kind.PERSON, "custodian"))
    if location:
        qs = qs.filter(location__code=code_or_error(location, Kind.LOCATION, "location"))
    if q:
        text = q.strip()
        # A title search only looks at titles the caller may know, so that the hit count
        # cannot reveal that a secret title exists.
        qs = qs.filter(Q(code__icontains=text) | (Q(title__icontains=text) & knowable(principal)))
    count = qs.count()
    items = list(qs.order_by("-created_at", "-id")[offset : offset + limit])
    record_reads(principal, items, what="list")  # Reg Art. 20 access log
    return items, count


def people_active() -> QuerySet[Person]:
    """Everyone still active, by name: the security administrator's list."""
    return Person.objects.filter(active=True).order_by("name", "id")
