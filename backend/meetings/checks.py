"""The meeting's rules for a scan naming it, asked by custody before any lock (hook
``scan_check``), and the end of a ``meeting_unreturned`` case when the copy comes back
(hook ``condition_ended``); both subscribed in :class:`backend.meetings.apps.MeetingsConfig`.

Clearance and knowledge scope are not repeated here: the ``checkout`` is judged by the
lifecycle table like every other one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from backend.alerts.models import Alert
from backend.custody.lifecycle import Action
from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.hooks import condition_ended, send_required
from backend.meetings.models import Attendee, Meeting, MeetingStatus
from backend.registry.models import Carrier

# (index in the batch, the scan, its checked codes) as custody passes them.
Checked = list[tuple[int, Any, dict[str, str | None]]]
KIND = "meeting_unreturned"


def meeting_scans_check(checked: Checked) -> dict[int, ServiceError]:
    """The refusals, by batch index, of the scans naming a meeting: two queries for the
    batch, none when no scan names one."""
    naming = [(i, scan, codes) for i, scan, codes in checked if scan.meeting is not None]
    if not naming:
        return {}
    ids = {scan.meeting for _, scan, _ in naming}
    status = dict(Meeting.objects.filter(id__in=ids).values_list("id", "status"))
    listed = set(
        Attendee.objects.filter(meeting_id__in=ids).values_list("meeting_id", "person__code")
    )
    refused: dict[int, ServiceError] = {}
    for index, scan, codes in naming:
        error = meeting_refusal(
            scan.action, scan.meeting, codes["counterpart"], status.get(scan.meeting), listed
        )
        if error is not None:
            refused[index] = error
    return refused


def meeting_refusal(
    action: str,
    meeting: int,
    receiver: str | None,
    status: str | None,
    listed: set[tuple[int, str]],
) -> ServiceError | None:
    """Issue only to someone on the list while the meeting is open; collect any time (a
    copy brought back after the close ends its case)."""
    if action not in (Action.CHECKOUT, Action.RETURN):
        return ServiceError(
            "invalid", "Only checkout and return scans name a meeting.", {"field": "meeting"}
        )
    if status is None:
        return ServiceError(
            "invalid", f"There is no meeting {meeting}.", {"field": "meeting", "meeting": meeting}
        )
    if action == Action.RETURN:
        return None
    if status != MeetingStatus.OPEN:
        return ServiceError(
            "invalid_transition",
            f"Meeting {meeting} is closed: nothing more is issued. 会议已结束，不再发放。",
            {"reason": "meeting_closed", "meeting": meeting},
        )
    if receiver is None or (meeting, receiver) not in listed:
        return ServiceError(
            "not_attendee",
            f"{receiver or 'The receiver'} is not on the attendee list of meeting {meeting}."
            " 该人员不在会议名单内。",
            {"meeting": meeting, "person": receiver},
        )
    return None


def unreturned_open_sql() -> str:
    """Whether the carrier (``{carrier}``: its id column) has an open unreturned-copy case."""
    return (
        f"EXISTS (SELECT 1 FROM {Alert._meta.db_table} a"  # noqa: S608 - constants
        " WHERE a.carrier_id = {carrier} AND a.status <> 'resolved'"
        f" AND a.kind = '{KIND}')"
    )


def unreturned_end(carriers: Sequence[Carrier], events: Sequence[CustodyEvent]) -> None:
    """A copy that is no longer out with a person came back: its case ends."""
    now = timezone.now()
    for carrier in carriers:
        if carrier.status != "in_use":
            send_required(condition_ended, kind=KIND, carrier=carrier, at=now)
