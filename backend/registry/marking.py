"""The legal marking 国家秘密标志: ``密级★保密期限`` (Reg Art. 19-24)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from backend.registry.levels import DEFAULT_PERIOD_YEARS, LEVEL_ZH


@dataclass(frozen=True, slots=True)
class Period:
    """A secrecy period: exactly one of a length, an end date or a condition."""

    years: int | None = None
    months: int | None = None
    days: int | None = None
    until: date | None = None
    condition: str | None = None

    def is_empty(self) -> bool:
        return not any((self.years, self.months, self.days, self.until, self.condition))


def effective_period(level: str, period: Period) -> Period:
    """A period with no value takes the level's default (30/20/10 years)."""
    if period.is_empty():
        return Period(years=DEFAULT_PERIOD_YEARS[level])
    return period


def marking(level: str, period: Period) -> str:
    """``机密★10年``, ``秘密★6个月``, ``秘密★30天``, ``绝密★2031年12月31日``, ``秘密★条件``."""
    p = effective_period(level, period)
    if p.until is not None:
        text = f"{p.until.year}年{p.until.month}月{p.until.day}日"
    elif p.condition:
        text = p.condition
    elif p.years:
        text = f"{p.years}年"
    elif p.months:
        text = f"{p.months}个月"
    else:
        text = f"{p.days}天"
    return f"{LEVEL_ZH[level]}★{text}"


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
