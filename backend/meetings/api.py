"""Meetings over HTTP: ``POST /meetings``, ``GET /meetings/{id}``,
``POST /meetings/{id}/close`` (CONTRACT.md). Issue and collection are ``POST /scans`` with
``"meeting": id``. The record PDF is a register: backend/registers/api.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from backend.meetings import selectors, services
from backend.meetings.models import Meeting
from backend.registry.models import Carrier
from backend.registry.policy import knowable
from backend.registry.principals import Principal, principal_of
from backend.registry.selectors import location_by_code, person_by_code
from backend.schemas import ERRORS, Code, Text

router = Router(tags=["meetings"])


class MeetingIn(Schema):
    title: Text = Field(max_length=200)
    level: Text = Field(max_length=16)
    location: Code = Field(max_length=64)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    attendees: list[Code] = Field(min_length=1, max_length=services.MAX_ATTENDEES)
    copies_each: int = Field(default=1, ge=1, le=100, description="Documents per attendee.")


class VenueIn(Schema):
    note: Text = Field(min_length=1, max_length=300, description="What the sweep found.")


class VenueOut(Schema):
    note: str
    by: str | None
    at: datetime


class MissingOut(Schema):
    carrier: str
    holder: str
    copy_no: int | None = None


class CopyOut(Schema):
    carrier: str
    copy_no: int | None
    title: str | None
    issued_at: datetime
    returned_at: datetime | None


class AttendeeOut(Schema):
    person: str
    name: str
    signed_in_at: datetime | None
    issued: int
    returned: int
    copies: list[CopyOut]


class MeetingOut(Schema):
    id: int
    title: str
    level: str
    location: str
    starts_at: datetime
    ends_at: datetime
    copies_each: int
    status: str
    closed_at: datetime | None
    issued: int
    returned: int
    missing: list[MissingOut]
    venue: VenueOut | None
    attendees: list[AttendeeOut]


class CloseOut(Schema):
    id: int
    issued: int
    returned: int
    missing: list[MissingOut]
    closed_at: datetime


def venue_out(meeting: Meeting) -> dict[str, Any] | None:
    if meeting.venue_swept_at is None:
        return None
    by = meeting.venue_swept_by
    return {"note": meeting.venue_note, "by": by.code if by else None, "at": meeting.venue_swept_at}


def meeting_out(principal: Principal, meeting: Meeting) -> dict[str, Any]:
    holders = selectors.meeting_holders(meeting)
    copies = [c for h in holders for c in h.copies]

    # Need-to-know: a title only where the caller is cleared and inside the copy's scope.
    known = set(
        Carrier.objects.filter(
            knowable(principal), id__in={c.carrier_id for c in copies}
        ).values_list("id", flat=True)
    )

    def title(c: selectors.Copy) -> str | None:
        return c.title if c.carrier_id in known else None

    return {
        "id": meeting.id,
        "title": meeting.title,
        "level": meeting.level,
        "location": meeting.location.code,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "copies_each": meeting.copies_each,
        "status": meeting.status,
        "closed_at": meeting.closed_at,
        "issued": len(copies),
        "returned": sum(1 for c in copies if c.returned),
        "missing": meeting.missing
        if meeting.closed_at
        else [
            {"carrier": c.carrier, "holder": c.holder, "copy_no": c.copy_no}
            for c in copies
            if not c.returned
        ],
        "venue": venue_out(meeting),
        "attendees": [
            {
                "person": h.person,
                "name": h.name,
                "signed_in_at": h.signed_in_at,
                "issued": h.issued,
                "returned": h.returned,
                "copies": [
                    {
                        "carrier": c.carrier,
                        "copy_no": c.copy_no,
                        "title": title(c),
                        "issued_at": c.issued_at,
                        "returned_at": c.returned_at,
                    }
                    for c in h.copies
                ],
            }
            for h in holders
        ],
    }


@router.post("/meetings", response={201: MeetingOut, **ERRORS})
def create_meeting(request: HttpRequest, body: MeetingIn) -> Status[dict[str, Any]]:
    principal = principal_of(request)
    meeting = services.meeting_create(
        principal=principal,
        title=body.title,
        level=body.level,
        location=location_by_code(body.location),
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        attendees=[person_by_code(code, "attendees") for code in body.attendees],
        copies_each=body.copies_each,
    )
    return Status(201, meeting_out(principal, meeting))


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS})
def get_meeting(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    principal = principal_of(request)
    return meeting_out(principal, selectors.meeting_get(principal=principal, meeting_id=meeting_id))


@router.post("/meetings/{meeting_id}/close", response={200: CloseOut, **ERRORS})
def close_meeting(request: HttpRequest, meeting_id: int) -> dict[str, Any]:
    meeting = services.meeting_close(principal=principal_of(request), meeting_id=meeting_id)
    assert meeting.closed_at is not None  # noqa: S101 - closed just now
    return {
        "id": meeting.id,
        "issued": meeting.issued,
        "returned": meeting.returned,
        "missing": meeting.missing,
        "closed_at": meeting.closed_at,
    }


@router.post("/meetings/{meeting_id}/venue", response={200: MeetingOut, **ERRORS})
def record_venue(request: HttpRequest, meeting_id: int, body: VenueIn) -> dict[str, Any]:
    """The sweep of the venue (会场清场), once, before or after the close."""
    principal = principal_of(request)
    meeting = services.meeting_venue_record(
        principal=principal, meeting_id=meeting_id, note=body.note
    )
    return meeting_out(principal, meeting)
