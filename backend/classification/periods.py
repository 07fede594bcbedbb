"""Secrecy periods as dates: when a period ends, and which of several is the longest.

Pure functions (no Django, no clock): the period runs from the date of issue (制发日), a
period with no value takes the level's default (30/20/10 years), and a declassification
condition has no end date (it ends when the condition is met, by a decision).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from backend.registry.levels import RANK
from backend.registry.marking import Period, add_months, effective_period, period_end

# add_months and period_end live in the registry (a carrier's row stores its end date);
# they are re-exported here because the 定密 procedure speaks of them too.
__all__ = ["add_months", "compilation", "period_end"]


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
    last = max(period_end(issued_on=d, level=lvl, period=p) for lvl, d, p in items)  # type: ignore[type-var]  # no condition (returned above): every part ends
    return level, Period(until=last)
