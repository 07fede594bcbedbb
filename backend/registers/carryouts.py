"""外出携带 on paper: the register of carry-outs (涉密载体携带外出登记簿, one row per carrier
per request) and one request's approval form (携带外出审批表).

Here and not in carryouts because registers sit above the apps they report on
(docs/architecture.md); both render like every register (render.xlsx / signed_pdf), and
need-to-know applies to titles cell by cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from django.http import FileResponse
from django.utils import timezone

from backend.carryouts.models import CarryOut, CarryOutCarrier, CarryOutStatus
from backend.carryouts.selectors import carry_out_get
from backend.downloads import written_download
from backend.registers import render
from backend.registers.selectors import (
    TITLES,
    Filters,
    Register,
    _carrier_filter,
    _day,
    _keyset,
    _local,
    _scopes,
    _zone,
)
from backend.registry.levels import LEVEL_ZH
from backend.registry.policy import may_know
from backend.registry.principals import Principal

HEADINGS = (
    "申请编号", "载体编号", "名称", "密级", "事由", "前往地点", "携带人",
    "外出日期", "返回日期", "审批人", "审批意见", "带出时间", "带回时间", "状态",
)  # fmt: skip
STATUS_ZH = dict(CarryOutStatus.choices)
_FIELDS = (
    "id", "carrier_id", "carrier__code", "carrier__title", "carrier__level", "carry_out_id",
    "carry_out__purpose", "carry_out__destination", "carry_out__leaves_on",
    "carry_out__returns_on", "carry_out__decided_by__name", "carry_out__opinion",
    "carry_out__status", "out_at", "in_at", "with_host__code",
)  # fmt: skip


def _inside(host: str | None) -> str:
    """A device's storage media leave with it: the register and the form show each one's
    device, named on the request or not (docs/carry-outs.md)."""
    return f"　（安装于 {host}，随机带出）" if host else ""


def _people(request_ids: set[int]) -> dict[int, str]:
    names: dict[int, list[str]] = {}
    through = CarryOut.people.through.objects.filter(carryout_id__in=request_ids)
    for request_id, name in through.values_list("carryout_id", "person__name").order_by("id"):
        names.setdefault(request_id, []).append(name)
    return {k: "、".join(v) for k, v in names.items()}


def carry_outs_register(principal: Principal, filters: Filters) -> Register:
    """涉密载体携带外出登记簿: each carrier of each request, from request to return."""
    qs = CarryOutCarrier.objects.filter(_carrier_filter(filters, "carrier__"))
    if filters.start:
        qs = qs.filter(carry_out__returns_on__gte=filters.start)
    if filters.end:
        qs = qs.filter(carry_out__leaves_on__lte=filters.end)

    def rows() -> Iterator[tuple[str, ...]]:
        for chunk in _keyset(qs, _FIELDS):
            scopes = _scopes(list({r["carrier_id"] for r in chunk}))
            people = _people({r["carry_out_id"] for r in chunk})
            for r in chunk:
                knows = may_know(
                    principal,
                    level=r["carrier__level"],
                    scope_codes=scopes.get(r["carrier_id"], []),
                )
                yield (
                    str(r["carry_out_id"]),
                    r["carrier__code"],
                    (r["carrier__title"] if knows else "") + _inside(r["with_host__code"]),
                    LEVEL_ZH[r["carrier__level"]],
                    r["carry_out__purpose"],
                    r["carry_out__destination"],
                    people.get(r["carry_out_id"], ""),
                    _day(r["carry_out__leaves_on"]),
                    _day(r["carry_out__returns_on"]),
                    r["carry_out__decided_by__name"] or "",
                    r["carry_out__opinion"],
                    _local(r["out_at"]),
                    _local(r["in_at"]),
                    STATUS_ZH[r["carry_out__status"]],
                )

    return Register(
        "carry-outs",
        TITLES["carry-outs"],
        HEADINGS,
        (12, 26, 40, 9, 30, 24, 24, 17, 17, 14, 24, 22, 22, 11),
        rows(),
        filters,
        {"count": qs.count},
    )


FORM_TITLE = "携带外出审批表"


def carry_out_form(*, principal: Principal, carry_out_id: int) -> Register:
    """One request as its approval form: the request's fields, then one line per carrier,
    a device's installed media among them."""
    request = carry_out_get(principal=principal, carry_out_id=carry_out_id)
    items = sorted(request.items.all(), key=lambda i: i.id)
    scopes = _scopes([i.carrier_id for i in items])
    decided = (
        f"{request.decided_by.name}（{request.decided_by.code}） {_local(request.decided_at)}"
        if request.decided_by
        else "（待审批）"
    )
    fields: list[tuple[str, str]] = [
        ("申请编号", str(request.id)),
        ("申请人", f"{request.requester.name}（{request.requester.code}）"),
        ("申请时间", _local(request.requested_at)),
        ("事由", request.purpose),
        ("前往地点", request.destination),
        ("外出日期", f"{_day(request.leaves_on)} 至 {_day(request.returns_on)}"),
        ("携带人", "、".join(f"{p.name}（{p.code}）" for p in request.people.all())),
        ("审批人", decided),
        ("审批意见", f"{STATUS_ZH[request.status]}　{request.opinion}"),
    ]

    def rows() -> Iterator[tuple[str, ...]]:
        for heading, value in fields:
            yield (heading, value, "", "", "")
        for n, item in enumerate(items, start=1):
            c = item.carrier
            knows = may_know(principal, level=c.level, scope_codes=scopes.get(c.id, []))
            host = item.with_host.code if item.with_host else None
            yield (
                f"载体 {n}",
                f"{c.code}　{LEVEL_ZH[c.level]}　{c.title if knows else ''}{_inside(host)}",
                c.marking,
                _local(item.out_at),
                _local(item.in_at),
            )

    return Register(
        "carry-out-form",
        f"{FORM_TITLE}（第 {request.id} 号）",
        ("项目", "内容", "标志", "带出时间", "带回时间"),
        (22, 110, 30, 30, 30),
        rows(),
        Filters(),
    )


def carry_out_form_pdf(*, principal: Principal, carry_out_id: int) -> FileResponse:
    """The approval form as a PDF download, ending with the ledger's signed statement.
    Raises ServiceError as :func:`carry_out_form` does."""
    form = carry_out_form(principal=principal, carry_out_id=carry_out_id)
    generated: datetime = timezone.now().astimezone(_zone())

    def write(out: IO[bytes]) -> str:
        render.signed_pdf(form, out, generated=generated)
        return f"{FORM_TITLE}-{carry_out_id}.pdf"

    return written_download(write, content_type="application/pdf")


__all__: list[Any] = ["carry_out_form", "carry_out_form_pdf", "carry_outs_register"]
