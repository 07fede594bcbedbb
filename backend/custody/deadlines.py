"""Turning a lifecycle ``Deadline`` into the carrier's next ``due_at``.

Pure: the policy values come in as arguments, so tests need no settings and no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.custody.lifecycle import Deadline


@dataclass(frozen=True, slots=True)
class Policy:
    zone: ZoneInfo
    close_of_business: time
    transit: timedelta
    repair: timedelta
    destruction: timedelta
    loss_report: timedelta


def close_of_business(occurred_at: datetime, policy: Policy) -> datetime:
    """The unit's close of business on the day of ``occurred_at``, or the next day's when
    the scan came after it: carriers go back to the safe at the end of the working day."""
    local = occurred_at.astimezone(policy.zone)
    cob = datetime.combine(local.date(), policy.close_of_business, tzinfo=policy.zone)
    if cob <= local:
        cob = datetime.combine(
            local.date() + timedelta(days=1), policy.close_of_business, tzinfo=policy.zone
        )
    return cob


def next_due(
    kind: Deadline,
    *,
    occurred_at: datetime,
    requested: datetime | None,
    current: datetime | None,
    policy: Policy,
) -> datetime | None:
    """The new ``due_at``. A deadline given by the scanner wins where the action starts one."""
    if kind is Deadline.KEEP:
        return current
    if kind is Deadline.CLEAR:
        return None
    if kind is Deadline.LOSS_REPORT:
        return occurred_at + policy.loss_report  # fixed by Reg Art. 61, not negotiable
    if requested is not None:
        return requested
    if kind in {Deadline.RETURN, Deadline.CARRY_OUT}:
        # A carry-out's scan check states the end of its request's last day; without one
        # (no request app listening) the carrier is due back like a loan.
        return close_of_business(occurred_at, policy)
    span = {
        Deadline.TRANSIT: policy.transit,
        Deadline.REPAIR: policy.repair,
        Deadline.DESTRUCTION: policy.destruction,
    }[kind]
    return occurred_at + span
