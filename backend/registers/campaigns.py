"""清退 on paper: the register of return campaigns (涉密载体清退登记簿), one row per carrier
per campaign, from the holder it was called back from to the return that brought it in.

Here and not in campaigns because registers sit above the apps they report on
(docs/architecture.md); it renders like every register (render.xlsx / signed_pdf), and
need-to-know applies to titles cell by cell.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone

from backend.campaigns.models import CampaignCarrier, CampaignStatus
from backend.registers.selectors import (
    TITLES,
    Filters,
    Register,
    _carrier_filter,
    _keyset,
    _local,
    _scopes,
)
from backend.registry.levels import LEVEL_ZH
from backend.registry.policy import may_know
from backend.registry.principals import Principal

HEADINGS = (
    "清退编号", "清退事项", "载体编号", "名称", "密级", "持有人", "清退期限",
    "退回时间", "台账序号", "状态",
)  # fmt: skip
STATUS_ZH = dict(CampaignStatus.choices)
_FIELDS = (
    "id", "campaign_id", "campaign__title", "campaign__deadline", "campaign__status",
    "carrier_id", "carrier__code", "carrier__title", "carrier__level", "holder__name",
    "holder__code", "returned_at", "return_seq",
)  # fmt: skip


def _state(row: dict[str, object]) -> str:
    """Returned, still out, or out past the campaign's deadline."""
    if row["returned_at"] is not None:
        return "已退回"
    deadline = row["campaign__deadline"]
    late = deadline is not None and deadline < timezone.now()  # type: ignore[operator]  # a datetime
    return "逾期未退" if late else "未退回"


def campaigns_register(principal: Principal, filters: Filters) -> Register:
    """涉密载体清退登记簿: each carrier each campaign called back, and its return."""
    qs = CampaignCarrier.objects.filter(_carrier_filter(filters, "carrier__"))
    if filters.start:
        qs = qs.filter(campaign__opened_at__date__gte=filters.start)
    if filters.end:
        qs = qs.filter(campaign__opened_at__date__lte=filters.end)

    def rows() -> Iterator[tuple[str, ...]]:
        for chunk in _keyset(qs, _FIELDS):
            scopes = _scopes(list({r["carrier_id"] for r in chunk}))
            for r in chunk:
                knows = may_know(
                    principal,
                    level=r["carrier__level"],
                    scope_codes=scopes.get(r["carrier_id"], []),
                )
                yield (
                    str(r["campaign_id"]),
                    f"{r['campaign__title']}（{STATUS_ZH[r['campaign__status']]}）",
                    r["carrier__code"],
                    r["carrier__title"] if knows else "",
                    LEVEL_ZH[r["carrier__level"]],
                    f"{r['holder__name']}（{r['holder__code']}）",
                    _local(r["campaign__deadline"]),
                    _local(r["returned_at"]),
                    "" if r["return_seq"] is None else str(r["return_seq"]),
                    _state(r),
                )

    return Register(
        "campaigns",
        TITLES["campaigns"],
        HEADINGS,
        (10, 30, 26, 40, 9, 22, 18, 18, 10, 11),
        rows(),
        filters,
        {"count": qs.count},
    )
