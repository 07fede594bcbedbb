"""The carry-out rules that need no database: who may carry, the two people for 绝密, the
dates, and the end of the last day. Pure, so services and the scan check share them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from backend.registry.states import RANK

# Reg Art. 29 (两人以上同行): 绝密 carriers leave the unit with two people or more.
TWO_PEOPLE_LEVELS = frozenset({"top_secret"})


@dataclass(frozen=True, slots=True)
class Bearer:
    code: str
    active: bool
    clearance: str


def highest_level(levels: Iterable[str]) -> str:
    return max(levels, key=lambda level: RANK[level])


def uncleared(people: Iterable[Bearer], level: str) -> list[str]:
    """The codes of the people who may not carry a carrier of ``level`` (inactive, or
    cleared below it)."""
    return [p.code for p in people if not p.active or RANK[p.clearance] < RANK[level]]


def needs_two_people(levels: Iterable[str]) -> bool:
    return any(level in TWO_PEOPLE_LEVELS for level in levels)


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The end of ``day`` in the unit's zone: a carrier due back on ``returns_on`` is
    overdue from the first moment of the next day."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone)


def within_dates(moment: datetime, zone: ZoneInfo, *, leaves_on: date, returns_on: date) -> bool:
    """Whether ``moment`` falls on one of the request's days, in the unit's calendar."""
    return leaves_on <= moment.astimezone(zone).date() <= returns_on
