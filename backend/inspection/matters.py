"""国家秘密事项一览表: the unit's list of its state secrets, for filing with the 保密局.

Kept current by being read, never stored: each time it is asked for it is built from the
定密 record as it stands — every original carrier (not a copy: a copy takes its source's
classification, 直接套用) that is classified (registered, past draft and referral), not
declassified and not destroyed, with its level and period as decided, its knowledge
scope, its basis, and the latest decision on it (date and the classification authority).
A carrier classified before Custos (no decided round) shows its date of issue.

It is a register (``registers.selectors.Register``), so it prints through the registers'
writers: XLSX, and PDF with the ledger's signed statement at its foot. Need-to-know: the
name and basis are shown only to a reader who may know them (``registry.policy.may_know``);
anyone else sees the code alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from typing import IO, Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from backend.classification.models import Case
from backend.registers import render
from backend.registers.selectors import FORM_ZH, STATUS_ZH, Filters, Register, period_text
from backend.registry.levels import LEVEL_ZH
from backend.registry.marking import Period
from backend.registry.models import Carrier
from backend.registry.policy import may_know
from backend.registry.principals import Principal, require_role

TITLE = "国家秘密事项一览表"
HEADINGS = (
    "序号",
    "编号",
    "国家秘密事项名称",
    "密级",
    "保密期限",
    "知悉范围",
    "定密依据",
    "定密日期",
    "定密责任人",
    "载体形式",
    "状态",
)
WIDTHS = (9, 24, 46, 10, 20, 34, 34, 17, 16, 12, 12)
READERS = ("committee", "approver")
CHUNK = 2000
FIELDS = (
    "pk", "code", "title", "level", "form", "status", "basis", "issued_on", "period_years",
    "period_months", "period_days", "period_until", "period_condition", "decided_at",
    "decided_by",
)  # fmt: skip
LEFT_OUT = ("destroyed", "draft", "referred")  # the statuses left out (see the docstring)


def _matters() -> Any:
    latest = Case.objects.filter(carrier=OuterRef("pk"), state__in=("approved", "amended"))
    latest = latest.order_by("-decided_at")
    return (
        Carrier.objects.filter(parent__isnull=True, declassified_on__isnull=True)
        .exclude(status__in=LEFT_OUT)
        .annotate(
            decided_at=Subquery(latest.values("decided_at")[:1]),
            decided_by=Subquery(latest.values("decided_by__name")[:1]),
        )
        .order_by("pk")
        .values(*FIELDS)
    )


def _scopes(ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    rows = Carrier.scope.through.objects.filter(carrier_id__in=ids).values_list(
        "carrier_id", "person__code", "person__name"
    )
    for carrier_id, code, name in rows:
        out.setdefault(carrier_id, []).append((code, name))
    return out


def _rows(principal: Principal) -> Iterator[tuple[str, ...]]:
    """One row per matter, read in chunks (scopes fetched once per chunk, not per row)."""
    number = 0
    rows = _matters().iterator(chunk_size=CHUNK)
    while chunk := list(islice(rows, CHUNK)):
        scopes = _scopes([m["pk"] for m in chunk])
        for m in chunk:
            number += 1
            scope = scopes.get(m["pk"], [])
            knows = may_know(principal, level=m["level"], scope_codes=[c for c, _ in scope])
            period = Period(
                years=m["period_years"],
                months=m["period_months"],
                days=m["period_days"],
                until=m["period_until"],
                condition=m["period_condition"] or None,
            )
            decided: datetime | None = m["decided_at"]
            yield (
                str(number),
                m["code"],
                m["title"] if knows else "",
                LEVEL_ZH[m["level"]],
                period_text(m["level"], period, None),
                "、".join(name for _, name in scope) if knows else "",
                m["basis"] if knows else "",
                timezone.localdate(decided).isoformat() if decided else m["issued_on"].isoformat(),
                m["decided_by"] or "",
                FORM_ZH.get(m["form"], m["form"]),
                STATUS_ZH.get(m["status"], m["status"]),
            )


def matters_register(*, principal: Principal) -> Register:
    """The 一览表 as a register, for the committee and the classification authorities."""
    require_role(principal, *READERS)
    return Register(
        "matters", TITLE, HEADINGS, WIDTHS, _rows(principal), Filters(), {"count": _count}
    )


def _count() -> int:
    return int(_matters().count())


def matters_rows(*, principal: Principal, limit: int) -> tuple[list[tuple[str, ...]], int]:
    """The first ``limit`` rows for a page, and how many there are in all."""
    register = matters_register(principal=principal)
    return list(islice(register.rows, limit)), _count()


def matters_export(*, principal: Principal, fmt: str, out: IO[bytes]) -> str:
    """Write the 一览表 as ``fmt`` (xlsx or pdf) to ``out``; returns the file name."""
    generated = timezone.localtime()
    with transaction.atomic():  # the server-side cursor of .iterator() lives in it
        register = matters_register(principal=principal)
        writer = render.xlsx if fmt == "xlsx" else render.signed_pdf
        writer(register, out, generated=generated)
    return f"{TITLE}.{fmt}"
