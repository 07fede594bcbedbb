"""Meetings (会议保密): the approved attendee list, sign-in and issue at the door,
collection at the end, and the close that reports every copy not collected.

Issue and collection are scans through the ledger's own ingest — a ``checkout`` to the
attendee and a ``return``, each carrying ``"meeting": id`` — so the lifecycle's guards
(clearance, knowledge scope, state) and the meeting's own rule (``not_attendee``, see
:mod:`backend.meetings.checks`) apply to the desk page and the API alike.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.custody.services import ScanIn, ScanResult, scans_ingest
from backend.errors import ServiceError
from backend.hooks import condition_raised, send_required
from backend.meetings.models import Attendee, Meeting, MeetingStatus
from backend.meetings.selectors import meeting_copies
from backend.queue import enqueue
from backend.registry.levels import Level
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal, require_role
from backend.registry.states import clearance_covers

ROLES = ("registrar", "clerk")
_ROLES_MESSAGE = gettext_lazy("Only a registrar or a clerk runs a meeting.")
MAX_ATTENDEES = 500


def attendees_cleared(*, level: str, people: list[Person]) -> None:
    """The approved list: every attendee active and cleared for the meeting's level."""
    today = timezone.localdate()
    for person in people:
        if not person.is_active_on(today):
            raise ServiceError(
                "invalid",
                _("%(name)s (%(code)s) is not active.")
                % {"name": person.name, "code": person.code},
                {"field": "attendees", "person": person.code},
            )
        if not clearance_covers(person.clearance, level):
            raise ServiceError(
                "clearance_insufficient",
                _("%(name)s (%(code)s) is not cleared for this meeting's level.")
                % {"name": person.name, "code": person.code},
                {"field": "attendees", "person": person.code, "clearance": person.clearance},
            )


@transaction.atomic
def meeting_create(
    *,
    principal: Principal,
    title: str,
    level: str,
    location: Location,
    starts_at: datetime,
    ends_at: datetime,
    attendees: list[Person],
    copies_each: int = 1,
) -> Meeting:
    require_role(principal, *ROLES, message=_ROLES_MESSAGE)
    assert principal.person is not None  # noqa: S101 - require_role implies a person
    if not title.strip():
        raise ServiceError("invalid", _("A meeting has a title."), {"field": "title"})
    if level not in Level.values:
        raise ServiceError(
            "invalid", _("Unknown level %(level)s.") % {"level": level}, {"field": "level"}
        )
    if ends_at <= starts_at:
        raise ServiceError("invalid", _("A meeting ends after it starts."), {"field": "ends_at"})
    if not 1 <= copies_each <= 100:
        raise ServiceError(
            "invalid", _("Each attendee receives 1 to 100 copies."), {"field": "copies_each"}
        )
    people = list({p.id: p for p in attendees}.values())
    if not 1 <= len(people) <= MAX_ATTENDEES:
        raise ServiceError(
            "invalid",
            _("A meeting lists 1 to %(n)s attendees.") % {"n": MAX_ATTENDEES},
            {"field": "attendees"},
        )
    attendees_cleared(level=level, people=people)
    meeting = Meeting.objects.create(
        title=title.strip(),
        level=level,
        location=location,
        starts_at=starts_at,
        ends_at=ends_at,
        copies_each=copies_each,
        created_by=principal.person,
        created_at=timezone.now(),
    )
    Attendee.objects.bulk_create([Attendee(meeting=meeting, person=p) for p in people])
    return meeting


def _meeting(meeting_id: int, *, lock: bool = False) -> Meeting:
    rows = Meeting.objects.select_related("location")
    if lock:
        rows = rows.select_for_update(of=("self",))
    meeting = rows.filter(id=meeting_id).first()
    if meeting is None:
        raise ServiceError(
            "not_found", _("There is no meeting %(id)s.") % {"id": meeting_id}, {"id": meeting_id}
        )
    return meeting


def meeting_sign_in(*, principal: Principal, meeting_id: int, person: Person) -> None:
    """签到: the attendee's badge scanned at the door (the first scan counts)."""
    require_role(principal, *ROLES, message=_ROLES_MESSAGE)
    meeting = _meeting(meeting_id)
    if meeting.status != MeetingStatus.OPEN:
        raise ServiceError(
            "invalid_transition", _("This meeting is closed."), {"reason": "meeting_closed"}
        )
    # One statement for the usual case (a first scan at the door); the list is read only
    # when nothing was signed in.
    listed = Attendee.objects.filter(meeting=meeting, person=person)
    first = listed.filter(signed_in_at__isnull=True).update(signed_in_at=timezone.now())
    if not first and not listed.exists():
        raise ServiceError(
            "not_attendee",
            _("%(person)s is not on this meeting's attendee list.") % {"person": person.name},
            {"person": person.code, "meeting": meeting.id},
        )


# What a desk sends for each copy scanned: its code and the scan id the page chose.
Scanned = tuple[str, uuid.UUID]


def meeting_issue(
    *, principal: Principal, meeting_id: int, issued: list[tuple[str, uuid.UUID, str]]
) -> list[ScanResult]:
    """Copies issued, each ``(code, scan id, receiver's badge)``: ``checkout`` scans naming
    the meeting, due back when it ends (the sweep's overdue-return case follows one that
    never comes back). One ingest batch for the lot: a desk sends together what was
    scanned while its last answer was on the way."""
    meeting = _meeting(meeting_id)
    due = meeting.ends_at if meeting.ends_at > timezone.now() else None
    return scans_ingest(
        principal=principal,
        scans=[
            ScanIn(
                id=scan_id,
                action="checkout",
                carrier=code,
                counterpart=holder,
                location=meeting.location.code,
                due_at=due,
                meeting=meeting.id,
            )
            for code, scan_id, holder in issued
        ],
    )


def meeting_collect(
    *, principal: Principal, meeting_id: int, scanned: list[Scanned]
) -> list[ScanResult]:
    """Copies collected: ``return`` scans naming the meeting, at its place."""
    meeting = _meeting(meeting_id)
    return scans_ingest(
        principal=principal,
        scans=[
            ScanIn(
                id=scan_id,
                action="return",
                carrier=code,
                location=meeting.location.code,
                meeting=meeting.id,
            )
            for code, scan_id in scanned
        ],
    )


@transaction.atomic
def meeting_close(*, principal: Principal, meeting_id: int, venue: str = "") -> Meeting:
    """Close the meeting and report what did not come back.

    1. Lock the meeting; a closed one is refused (its result is final).
    2. Read the copies from the ledger: issued, returned, and the ones still held.
    3. Each copy still held opens a ``meeting_unreturned`` case at once (hook
       ``condition_raised``), naming the holder and the copy number; its e-mail and webhook
       rows commit with it and the sender is woken after the commit, not at the next pass.
    4. ``venue``, when given, records the sweep of the venue with the close
       (:func:`meeting_venue_record`).
    """
    require_role(principal, *ROLES, message=_ROLES_MESSAGE)
    meeting = _meeting(meeting_id, lock=True)
    if meeting.status != MeetingStatus.OPEN:
        raise ServiceError(
            "invalid_transition",
            _("This meeting is closed already."),
            {"reason": "meeting_closed"},
        )
    now = timezone.now()
    copies = meeting_copies(meeting)
    held = [c for c in copies if not c.returned]
    meeting.status, meeting.closed_at, meeting.closed_by = (
        MeetingStatus.CLOSED,
        now,
        principal.person,
    )
    meeting.issued, meeting.returned = len(copies), len(copies) - len(held)
    meeting.missing = [
        {"carrier": c.carrier, "holder": c.holder, "copy_no": c.copy_no} for c in held
    ]
    if venue.strip():
        _venue_swept(meeting, principal, venue, now)
    meeting.save()
    carriers = {c.id: c for c in Carrier.objects.filter(id__in=[c.carrier_id for c in held])}
    for copy in held:
        send_required(
            condition_raised,
            kind="meeting_unreturned",
            carrier=carriers[copy.carrier_id],
            opened_at=now,
            details={
                "meeting": meeting.id,
                "holder": copy.holder,
                "holder_name": copy.holder_name,
                "copy_no": copy.copy_no,
                "copies_total": copy.copies_total,
            },
        )
    if held:
        transaction.on_commit(lambda: enqueue("alerts_deliver"))
    return meeting


def _venue_swept(meeting: Meeting, principal: Principal, note: str, now: datetime) -> None:
    if not note.strip():
        raise ServiceError(
            "invalid", _("Say what the sweep of the venue found."), {"field": "note"}
        )
    if meeting.venue_swept_at is not None:
        raise ServiceError(
            "invalid_transition",
            _("The sweep of this venue is recorded already."),
            {"reason": "venue_recorded"},
        )
    meeting.venue_note = note.strip()[:300]
    meeting.venue_swept_by = principal.person
    meeting.venue_swept_at = now


@transaction.atomic
def meeting_venue_record(*, principal: Principal, meeting_id: int, note: str) -> Meeting:
    """Record the sweep of the venue (会场清场) once everyone has left: what it found
    (nothing left behind, or what was and where it went), by whom and when. Once only,
    before or after the close; the meeting record prints it."""
    require_role(principal, *ROLES, message=_ROLES_MESSAGE)
    meeting = _meeting(meeting_id, lock=True)
    _venue_swept(meeting, principal, note, timezone.now())
    meeting.save(update_fields=["venue_note", "venue_swept_by", "venue_swept_at"])
    return meeting
