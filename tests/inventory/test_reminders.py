"""年度清查提醒: a place that keeps carriers and had no closed stocktake for a year is flagged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import time_machine

from backend.inventory.models import InventoryReminder
from backend.inventory.reminders import inventory_reminders_run
from backend.registry.models import Location


def _codes(api: Any) -> list[str]:
    response = api.get("/inventory-reminders")
    assert response.status_code == 200, response.content
    return [r["location"] for r in response.json()]


def test_a_location_without_a_closed_stocktake_in_a_year_gets_a_reminder_until_stocktaken(
    unit: Any, api_as: Any, make_location: Callable[..., Location]
) -> None:
    with time_machine.travel("2024-03-01 10:00 +08:00", tick=False):
        safe = make_location("safe", "档案室保密柜")
        office = make_location("office", "党政办公室")
        make_location("destruction", "销毁点")  # keeps nothing: never reminded
    committee = api_as(unit.committee)

    with time_machine.travel("2025-02-28 10:00 +08:00", tick=False):
        assert inventory_reminders_run().opened == []  # not a year yet
    with time_machine.travel("2025-03-01 06:10 +08:00", tick=False):
        report = inventory_reminders_run()
        assert sorted(report.opened) == sorted([safe.code, office.code])
        assert inventory_reminders_run().opened == []  # a second run opens nothing more
    reminder = InventoryReminder.objects.get(location=safe, resolved_at__isnull=True)
    assert reminder.due_since == date(2025, 3, 1) and reminder.last_closed_at is None
    assert sorted(_codes(committee)) == sorted([safe.code, office.code])

    # The clerk stocktakes the safe: closing it answers the safe's reminder at once.
    with time_machine.travel("2025-03-03 09:00 +08:00", tick=False):
        clerk = api_as(unit.clerk)
        take = clerk.post("/inventories", {"location": safe.code}).json()
        assert clerk.post(f"/inventories/{take['id']}/close", {}).status_code == 200
    reminder.refresh_from_db()
    assert reminder.resolved_at is not None and reminder.resolved_by_id == take["id"]
    assert _codes(committee) == [office.code]

    # A year after that close the safe falls due again, from the close, not its creation.
    with time_machine.travel("2026-03-02 06:10 +08:00", tick=False):
        assert inventory_reminders_run().opened == []
    with time_machine.travel("2026-03-03 06:10 +08:00", tick=False):
        assert inventory_reminders_run().opened == [safe.code]
    again = InventoryReminder.objects.get(location=safe, resolved_at__isnull=True)
    assert again.due_since == date(2026, 3, 3) and again.last_closed_at is not None


def test_reminders_are_for_readers_of_the_registers_only(unit: Any, api_as: Any) -> None:
    assert api_as(unit.reader).get("/inventory-reminders").status_code == 403


def test_the_beat_runs_the_reminder_pass_daily(db: None) -> None:
    from worker.app import app
    from worker.tasks import inventory_reminders

    assert app.conf.beat_schedule["inventory-reminders-daily"]["task"] == inventory_reminders.name
    assert inventory_reminders.apply().get() == {"opened": [], "resolved": 0}
