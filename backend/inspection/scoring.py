"""Scoring the self-inspection by the checklist's weights.

An automatic item scores its whole weight when its figure meets the item's rule, nothing
otherwise; a manual item scores what its answer gave (yes: the weight, partial: half,
no: nothing, or a score the committee set, at most the weight). The year's score is the
points scored over the points possible, as a percentage with one decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.inspection import evidence
from backend.inspection.evidence import Figure
from backend.inspection.models import (
    ITEM_EDITABLE,
    MANUAL,
    Answer,
    Comparison,
    Item,
    SelfInspection,
)


def _number(value: int | bool | None) -> int | None:
    return None if value is None else int(value)


def meets(*, item: Item, figure: Figure, of_figure: Figure | None) -> bool:
    """Whether an automatic item's figure satisfies its rule (a figure that is unknown
    never does)."""
    value = _number(figure.value)
    if value is None:
        return False
    if item.comparison == Comparison.ALL_OF:
        other = _number(of_figure.value) if of_figure is not None else None
        return other is not None and value == other
    if item.comparison == Comparison.AT_MOST:
        return value <= item.target
    return value >= item.target


def manual_score(*, item: Item, value: str, score: Decimal | None) -> Decimal:
    if score is not None:
        if not Decimal(0) <= score <= item.weight:
            raise ServiceError(
                "invalid",
                _("A score lies between 0 and the item's weight %(w)s.") % {"w": item.weight},
                {"field": "score", "max": str(item.weight)},
            )
        return score
    return {"yes": item.weight, "partial": item.weight / 2}.get(value, Decimal(0))


def percent(items: Sequence[FilledItem]) -> float | None:
    possible = sum((i.item.weight for i in items), Decimal(0))
    if not possible:
        return None
    got = sum((i.score for i in items), Decimal(0))
    return float((got * 100 / possible).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class FilledItem:
    item: Item
    figure: Figure | None  # None for a manual item
    of_figure: Figure | None
    answer: Answer | None
    score: Decimal
    meets: bool | None


@dataclass(frozen=True)
class FilledChecklist:
    inspection: SelfInspection
    items: list[FilledItem]
    score: float | None


# What a kept item records (SelfInspection.items_kept): every field a year's reading uses.
_KEPT = ("id", "checklist_id", "retired", *ITEM_EDITABLE)


def item_kept(item: Item) -> dict[str, Any]:
    """An item as a year keeps it: its fields, the weight as text (JSON has no decimals)."""
    return {**{name: getattr(item, name) for name in _KEPT}, "weight": str(item.weight)}


def year_items(inspection: SelfInspection) -> list[Item]:
    """The items a year is read against, in order: those it kept when it was over and the
    checklist changed, else the checklist's current ones. Retired items are left out."""
    if inspection.items_kept is None:
        return list(Item.objects.filter(checklist=inspection.checklist_id, retired=False))
    kept = [
        Item(**{**row, "weight": Decimal(row["weight"])})
        for row in inspection.items_kept
        if not row["retired"]
    ]
    return sorted(kept, key=lambda item: (item.position, item.id))


def checklist_filled(*, year: int) -> FilledChecklist | None:
    """The year's checklist: automatic items with their figures (and rows), manual items
    with their answers, each scored. None when no self-inspection was started that year."""
    inspection = SelfInspection.objects.filter(year=year).first()
    if inspection is None:
        return None
    answers = {
        a.item_id: a
        for a in Answer.objects.filter(self_inspection=inspection).select_related("attachment")
    }
    cache: dict[str, Figure] = {}

    def fig(key: str) -> Figure | None:
        if not key or key == MANUAL:
            return None
        if key not in cache:
            cache[key] = evidence.figure(key, year)
        return cache[key]

    items = []
    for item in year_items(inspection):
        figure, of_figure = fig(item.evidence), fig(item.of_evidence)
        answer = answers.get(item.id)
        if figure is None:
            score = answer.score if answer else Decimal(0)
            met = None if answer is None else answer.value == "yes"
        else:
            met = meets(item=item, figure=figure, of_figure=of_figure)
            score = item.weight if met else Decimal(0)
        items.append(FilledItem(item, figure, of_figure, answer, score, met))
    return FilledChecklist(inspection, items, percent(items))


def year_score(year: int) -> float | None:
    """The self-inspection score of ``year`` in percent; None when no self-inspection was
    started that year (or its checklist weighs nothing)."""
    filled = checklist_filled(year=year)
    return None if filled is None else filled.score
