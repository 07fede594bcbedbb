"""涉密人员: grades, signed undertakings (保密承诺书), and leaving with a decontrol period.

Sources: 保密法 Art. 42-44, Reg Art. 31-34 — people in classified posts are graded
(核心/重要/一般涉密人员), sign an undertaking when they take the post and again when they
leave it, hand back (清退) every classified carrier before they go, and stay under a
decontrol period (脱密期) after leaving, by grade: core 2-3 years, important 1-2 years,
general 6 months to 1 year.

Leaving is two steps, so the approaching date can chase the carriers back:

1. ``person_departure_plan`` records the day they leave and the decontrol period. Allowed
   while they still hold carriers: from then on the daily ``holder_departing`` detector
   (backend.alerts.detectors) opens a case per carrier they hold.
2. ``person_leave`` completes it: refused while they hold any carrier (every carrier whose
   custodian they are, except destroyed and lost ones) or before they signed the leaving
   undertaking; then the person is inactive from that day and the decontrol period runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.classification.models import Undertaking, UndertakingKind
from backend.classification.periods import add_months
from backend.errors import ServiceError
from backend.hooks import departure_blockers, send_required
from backend.registry.levels import Grade
from backend.registry.models import Carrier, Person, Status
from backend.registry.principals import Principal
from backend.registry.selectors import person_by_code

#: 脱密期 by grade, in months (the longest the rules allow for each; Reg Art. 34). A unit
#: may set ``CUSTOS_DECONTROL_MONTHS`` in settings (``{"core": 36, …}``), and each
#: departure may name its own period.
DEFAULT_DECONTROL_MONTHS = {Grade.CORE: 36, Grade.IMPORTANT: 24, Grade.GENERAL: 12}
#: Carriers in these states are no longer in anyone's hands to return.
NOT_HELD = (Status.DESTROYED, Status.LOST)


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A classified person's file: grade, undertakings, departure and decontrol."""

    person: Person
    undertakings: list[Undertaking]
    holding: list[str]  # carrier codes they must return before leaving
    decontrol_ends_on: date | None


def _today() -> date:
    return timezone.localdate(timezone=ZoneInfo(settings.CUSTOS_TIME_ZONE))


def _require_office(principal: Principal) -> Person:
    # People's files are kept by the secrecy office (committee) or the administrator.
    if principal.person is None or not principal.has_role("admin", "committee"):
        raise ServiceError(
            "forbidden",
            "Only the administrator or the secrecy committee keeps people's files."
            " 仅管理员或保密委员会可办理涉密人员事项。",
            {"reason": "role_missing", "roles": ["admin", "committee"]},
        )
    return principal.person


def decontrol_months_for(grade: str) -> int:
    """The decontrol period for ``grade``; someone ungraded counts as general."""
    table: dict[str, Any] = getattr(settings, "CUSTOS_DECONTROL_MONTHS", None) or {}
    key = grade if grade in Grade.values else Grade.GENERAL.value
    return int(table.get(key, DEFAULT_DECONTROL_MONTHS[Grade(key)]))


def holding(person: Person) -> list[str]:
    """The carriers ``person`` must return before leaving (custodian, not destroyed/lost)."""
    return list(
        Carrier.objects.filter(custodian=person)
        .exclude(status__in=NOT_HELD)
        .order_by("code")
        .values_list("code", flat=True)
    )


def decontrol_end(person: Person) -> date | None:
    if person.departs_on is None or person.decontrol_months is None:
        return None
    return add_months(person.departs_on, person.decontrol_months)


def person_record(*, principal: Principal, code: str) -> PersonRecord:
    """The file of ``code`` (a selector; the office or the person themself may read it)."""
    person = person_by_code(code, "person")
    if not (
        principal.has_role("admin", "committee")
        or (principal.person is not None and principal.person.id == person.id)
    ):
        _require_office(principal)
    return PersonRecord(
        person=person,
        undertakings=list(
            Undertaking.objects.filter(person=person)
            .select_related("person", "recorded_by")
            .order_by("signed_on", "id")
        ),
        holding=holding(person),
        decontrol_ends_on=decontrol_end(person),
    )


@transaction.atomic
def undertaking_record(
    *, principal: Principal, code: str, kind: str, signed_on: date, text: str = ""
) -> Undertaking:
    """Record a signed undertaking (保密承诺书) with the day it was signed."""
    office = _require_office(principal)
    person = person_by_code(code, "person")
    if kind not in UndertakingKind.values:
        raise ServiceError(
            "invalid",
            f"Unknown undertaking kind {kind!r}.",
            {"field": "kind", "allowed": UndertakingKind.values},
        )
    if signed_on > _today():
        raise ServiceError(
            "invalid",
            "An undertaking cannot be signed in the future. 签订日期不能晚于今天。",
            {"field": "signed_on"},
        )
    return Undertaking.objects.create(
        person=person,
        kind=kind,
        signed_on=signed_on,
        text=text.strip(),
        recorded_by=office,
        recorded_at=timezone.now(),
    )


@transaction.atomic
def person_grade_set(*, principal: Principal, code: str, grade: str) -> Person:
    """Put a person in a classified post at ``grade`` (or ``""`` to take them out of it).

    Refused until they signed the on-post undertaking: the rules have it signed before
    the post is taken (上岗前签订保密承诺书).
    """
    _require_office(principal)
    person = Person.objects.select_for_update().get(id=person_by_code(code, "person").id)
    if grade and grade not in Grade.values:
        raise ServiceError(
            "invalid", f"Unknown grade {grade!r}.", {"field": "grade", "allowed": Grade.values}
        )
    if (
        grade
        and not Undertaking.objects.filter(person=person, kind=UndertakingKind.ON_POST).exists()
    ):
        raise ServiceError(
            "invalid_transition",
            "The on-post undertaking must be signed first. 须先签订上岗保密承诺书。",
            {"reason": "undertaking_missing", "kind": UndertakingKind.ON_POST},
        )
    person.grade = grade
    person.save(update_fields=["grade"])
    return person


@transaction.atomic
def person_departure_plan(
    *, principal: Principal, code: str, departs_on: date, decontrol_months: int | None = None
) -> Person:
    """Record the day ``code`` leaves the classified post and the decontrol period.

    The period defaults by grade (``decontrol_months_for``). Allowed while the person
    still holds carriers: the ``holder_departing`` alerts chase them back before the day.
    """
    _require_office(principal)
    person = Person.objects.select_for_update().get(id=person_by_code(code, "person").id)
    if not person.active:
        raise ServiceError("invalid_transition", "This person has left already. 该人员已离岗。", {})
    if departs_on < _today():
        raise ServiceError(
            "invalid",
            "The leaving day lies in the past; record the leaving itself. 离岗日期不能早于今天。",
            {"field": "departs_on"},
        )
    if decontrol_months is not None and not 0 <= decontrol_months <= 120:
        raise ServiceError(
            "invalid", "decontrol_months lies between 0 and 120.", {"field": "decontrol_months"}
        )
    person.departs_on = departs_on
    person.decontrol_months = (
        decontrol_months if decontrol_months is not None else decontrol_months_for(person.grade)
    )
    person.save(update_fields=["departs_on", "decontrol_months"])
    return person


@transaction.atomic
def person_leave(*, principal: Principal, code: str, decontrol_months: int | None = None) -> Person:
    """The person leaves today: refused while they hold a carrier or have not signed the
    leaving undertaking; then inactive, and the decontrol period runs from today."""
    _require_office(principal)
    person = Person.objects.select_for_update().get(id=person_by_code(code, "person").id)
    if not person.active:
        raise ServiceError("invalid_transition", "This person has left already. 该人员已离岗。", {})
    # What the apps above still list them for (an open return campaign): a hook, since
    # those apps sit above this one.
    listed: dict[str, list[str]] = {}
    for answer in send_required(departure_blockers, person=person):
        for reason, codes in (answer or {}).items():
            listed.setdefault(reason, []).extend(codes)
    if any(listed.values()):
        count = len({code for codes in listed.values() for code in codes})
        raise ServiceError(
            "holder_has_carriers",
            _(
                "%(person)s is still listed for %(n)s carrier(s) to return; they cannot leave"
                " before every one is back."
            )
            % {"person": person.code, "n": count},
            {"reason": "holder_has_carriers", "person": person.code, **listed},
        )
    # Read after the person's row is locked. A hand-over to them that commits in the same
    # instant is not blocked by this lock; it is caught afterwards, since hand-overs check
    # the receiver is active and the holder_departing detector keeps watching departs_on.
    held = holding(person)
    if held:
        raise ServiceError(
            "invalid_transition",
            f"{person.code} still holds {len(held)} carrier(s); every carrier is returned"
            f" before leaving. 离岗前须清退所持全部涉密载体。",
            {"reason": "holds_carriers", "carriers": held},
        )
    if not Undertaking.objects.filter(person=person, kind=UndertakingKind.ON_LEAVING).exists():
        raise ServiceError(
            "invalid_transition",
            "The leaving undertaking must be signed first. 须先签订离岗保密承诺书。",
            {"reason": "undertaking_missing", "kind": UndertakingKind.ON_LEAVING},
        )
    if decontrol_months is not None and not 0 <= decontrol_months <= 120:
        raise ServiceError(
            "invalid", "decontrol_months lies between 0 and 120.", {"field": "decontrol_months"}
        )
    today = _today()
    if decontrol_months is not None:
        person.decontrol_months = decontrol_months
    elif person.decontrol_months is None:
        person.decontrol_months = decontrol_months_for(person.grade)
    person.departs_on = today
    person.active = False
    person.save(update_fields=["departs_on", "decontrol_months", "active"])
    return person
