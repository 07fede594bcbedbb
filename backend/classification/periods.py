"""Secrecy periods as dates: when a period ends, and which of several is the longest.

Pure functions (no Django, no clock): the period runs from the date of issue (制发日), a
period with no value takes the level's default (30/20/10 years), and a declassification
condition has no end date (it ends when the condition is met, by a decision).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, timedelta

from backend.registry.levels import RANK
from backend.registry.marking import Period, effective_period


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months; the 31st falls back to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(*, issued_on: date, level: str, period: Period) -> date | None:
    """The day the period ends (the carrier is declassified on it); None for a condition."""
    p = effective_period(level, period)
    if p.until is not None:
        return p.until
    if p.condition:
        return None
    if p.years:
        return add_months(issued_on, 12 * p.years)
    if p.months:
        return add_months(issued_on, p.months)
    return issued_on + timedelta(days=p.days or 0)


def compilation(parts: Iterable[tuple[str, date, Period]]) -> tuple[str, Period]:
    """A compilation (汇编) takes the highest level and the longest period of its parts.

    ``parts`` are (level, date of issue, period). The longest period is the one that ends
    last; a part that ends only on a condition has no knowable end and so counts as the
    longest (its condition carries over). The compilation's own period is stated as an
    end date, since its parts ran from different days.
    """
    items = list(parts)
    if not items:
        raise ValueError("A compilation has at least one part.")
    level = max((lvl for lvl, _, _ in items), key=lambda lvl: RANK[lvl])
    for lvl, _, period in items:
        p = effective_period(lvl, period)
        if p.condition:
            return level, Period(condition=p.condition)
    last = max(period_end(issued_on=d, level=lvl, period=p) for lvl, d, p in items)  # type: ignore[type-var]
    return level, Period(until=last)
