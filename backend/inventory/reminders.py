"""年度清查提醒: every place that keeps carriers is stocktaken at least once a year.

Source: 保密法实施条例 / 涉密载体管理规定 — classified carriers are inventoried (清查)
at least once a year. The daily pass (a Celery beat entry) looks at every location that
keeps carriers (safes, offices, desks) and opens an :class:`InventoryReminder` for each
whose last closed stocktake is more than ``INTERVAL`` old (or, never stocktaken, which
exists for longer than that); closing a stocktake of the location resolves it at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from backend.errors import ServiceError
from backend.inventory.models import InventoryReminder, Stocktake
from backend.registry.models import Location
from backend.registry.policy import may_read_carriers
from backend.registry.principals import Principal

INTERVAL = timedelta(days=365)
#: Kinds of location where carriers are kept and so are stocktaken; a repair unit or a
#: destruction site holds carriers only in passing and is covered by their deadlines.
KEEPING = ("safe", "office", "desk")


@dataclass(slots=True)
class ReminderReport:
    opened: list[str]  # location codes
    resolved: int

    def as_dict(self) -> dict[str, object]:
        return {"opened": self.opened, "resolved": self.resolved}


def _today(now: datetime) -> date:
    return timezone.localdate(now, timezone=ZoneInfo(settings.CUSTOS_TIME_ZONE))


def inventory_reminders_run(*, now: datetime | None = None) -> ReminderReport:
    """Open a reminder for each keeping location overdue for its annual stocktake, and
    resolve reminders whose location has been stocktaken since (a backstop: closing a
    stocktake resolves its reminder itself).

    Two queries whatever the number of locations: the locations with their last close
    (one aggregate), and the open reminders.
    """
    now = now or timezone.now()
    today = _today(now)
    report = ReminderReport(opened=[], resolved=0)
    locations = Location.objects.filter(kind__in=KEEPING).annotate(
        last_closed=Max("stocktakes__closed_at")
    )
    open_ids = set(
        InventoryReminder.objects.filter(resolved_at__isnull=True).values_list(
            "location_id", flat=True
        )
    )
    for location in locations.values("id", "code", "created_at", "last_closed"):
        since = location["last_closed"] or location["created_at"]
        due = _today(since + INTERVAL)
        if due > today:
            if location["id"] in open_ids:
                report.resolved += _resolve(location_id=location["id"], stocktake=None, now=now)
            continue
        if location["id"] in open_ids:
            continue
        try:
            with transaction.atomic():
                InventoryReminder.objects.create(
                    location_id=location["id"],
                    due_since=due,
                    last_closed_at=location["last_closed"],
                    raised_at=now,
                )
        except IntegrityError:  # another run opened it a moment ago
            continue
        report.opened.append(location["code"])
    return report


def _resolve(*, location_id: int, stocktake: Stocktake | None, now: datetime) -> int:
    return InventoryReminder.objects.filter(
        location_id=location_id, resolved_at__isnull=True
    ).update(resolved_at=now, resolved_by=stocktake)


def inventory_reminder_resolve(*, stocktake: Stocktake) -> int:
    """A stocktake of the location was closed: its annual reminder is answered."""
    return _resolve(
        location_id=stocktake.location_id,
        stocktake=stocktake,
        now=stocktake.closed_at or timezone.now(),
    )


def inventory_reminders_open(*, principal: Principal) -> list[InventoryReminder]:
    """The open reminders, most overdue first (for the dashboard and the API)."""
    if not may_read_carriers(principal):
        raise ServiceError(
            "forbidden", "Your roles do not include reading stocktakes. 无权查看清查提醒。"
        )
    return list(
        InventoryReminder.objects.filter(resolved_at__isnull=True)
        .select_related("location")
        .order_by("due_since", "id")
    )
