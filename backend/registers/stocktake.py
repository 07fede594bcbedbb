"""The stocktake report: a closed stocktake's reconciliation, rendered as a register.

Here and not in inventory because it is a register like the others (the same rows,
renderer and need-to-know), and registers sit above the apps they report on
(docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.downloads import written_download
from backend.errors import ServiceError
from backend.inventory.selectors import stocktake_get
from backend.registers import render
from backend.registers.selectors import Filters, Register, _scopes
from backend.registry.levels import LEVEL_ZH
from backend.registry.models import Carrier
from backend.registry.policy import may_know
from backend.registry.principals import Principal

REPORT_HEADINGS = ("编号", "名称", "密级", "账面状态", "账面位置", "清查结果")
RESULT_ZH = {"found": "在位", "missing": "缺失", "unexpected": "账外发现"}


def stocktake_report(*, principal: Principal, stocktake_id: int) -> Register:
    """The reconciliation of a closed stocktake as a register (rendered like the others)."""
    take = stocktake_get(principal=principal, stocktake_id=stocktake_id)
    if take.closed_at is None:
        raise ServiceError(
            "invalid_transition", _("Close the stocktake first."), {"reason": "open"}
        )
    outcome = {c: "found" for c in take.found if c in set(take.expected)}
    outcome.update({c: "missing" for c in take.missing})
    outcome.update({c: "unexpected" for c in take.unexpected})
    carriers = {
        c.code: c for c in Carrier.objects.filter(code__in=list(outcome)).select_related("location")
    }
    scopes = _scopes([c.id for c in carriers.values()])

    def rows() -> Iterator[tuple[str, ...]]:
        # Missing first: that is what the committee acts on.
        order = {"missing": 0, "unexpected": 1, "found": 2}
        for code in sorted(outcome, key=lambda c: (order[outcome[c]], c)):
            c = carriers[code]
            knows = may_know(principal, level=c.level, scope_codes=scopes.get(c.id, []))
            yield (
                code,
                c.title if knows else "",
                LEVEL_ZH[c.level],
                c.get_status_display(),
                c.location.name,
                RESULT_ZH[outcome[code]],
            )

    title = (
        f"涉密载体清查报告 — {take.location.name}（应在 {len(take.expected)}，在位 "
        f"{len(take.expected) - len(take.missing)}，缺失 {len(take.missing)}，账外 "
        f"{len(take.unexpected)}）"
    )
    return Register(
        "inventory", title, REPORT_HEADINGS, (30, 60, 12, 18, 30, 18), rows(), Filters()
    )


def stocktake_report_pdf(*, principal: Principal, stocktake_id: int) -> FileResponse:
    """Raises ServiceError as :func:`stocktake_report` does; each caller answers it in its
    own way (the API's error shape, the page's error page)."""
    report = stocktake_report(principal=principal, stocktake_id=stocktake_id)
    generated = timezone.now().astimezone(ZoneInfo(settings.CUSTOS_TIME_ZONE))

    def write(out: IO[bytes]) -> str:
        render.pdf(report, out, generated=generated)
        return f"清查报告-{stocktake_id}.pdf"

    return written_download(write, content_type="application/pdf")
