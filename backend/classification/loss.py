"""遗失报告: the written report of a lost carrier, due within 24 hours (一事一报).

Source: Reg Art. 61 / 泄密事件查处办法 — a unit that finds a classified carrier lost
reports to the secrecy administration within 24 hours: the level (密级), quantity (数量),
carrier form (载体形式), how it was discovered, who is responsible, when and where it
happened, what happened, the possible harm, and the remedies taken.

The ``report_lost`` scan starts the clock (the carrier becomes ``lost`` with ``due_at``
24 hours after the loss, and the sweep opens ``loss_report_due`` when it passes); filing
the report stops it: ``due_at`` is cleared and an open ``loss_report_due`` case is
resolved. A report filed late is accepted and says so. Further reports on the same loss
(续报) are further rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.classification.models import LossReport
from backend.custody.locks import carrier_lock
from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.hooks import condition_ended, send_required
from backend.registry.levels import LEVEL_ZH, Form
from backend.registry.models import Carrier, Status
from backend.registry.policy import may_know
from backend.registry.principals import Principal
from backend.registry.selectors import code_or_error
from labels import fonts, text
from labels.codes import Kind
from labels.pdfstream import StreamingPdf

FILERS = ("committee", "clerk")  # the secrecy office, or the desk that recorded the loss


@dataclass(frozen=True, slots=True)
class LossFacts:
    """What the report states (everything but the carrier, which names level and form)."""

    quantity: int
    discovered_how: str
    responsible: str
    occurred_at: datetime
    place: str
    circumstances: str
    possible_harm: str
    remedies: str


def _lost_at(carrier: Carrier) -> datetime | None:
    """When the loss was reported on the ledger (the last ``report_lost`` scan)."""
    return (
        CustodyEvent.objects.filter(carrier=carrier, action="report_lost")
        .order_by("-seq")
        .values_list("occurred_at", flat=True)
        .first()
    )


def report_deadline(report: LossReport) -> datetime | None:
    lost_at = _lost_at(report.carrier)
    if lost_at is None:
        return None
    return lost_at + timedelta(hours=settings.CUSTOS_LOSS_REPORT_HOURS)


@transaction.atomic
def loss_report_file(*, principal: Principal, code: str, facts: LossFacts) -> LossReport:
    """File the written loss report for ``code``, which a ``report_lost`` scan made ``lost``."""
    if principal.person is None or not principal.has_role(*FILERS):
        raise ServiceError(
            "forbidden",
            "Only the secrecy committee or a desk clerk files a loss report."
            " 仅保密委员会或收发人员可报送遗失报告。",
            {"reason": "role_missing", "roles": list(FILERS)},
        )
    text_code = code_or_error(code, Kind.CARRIER, "code")
    carrier = carrier_lock(code=text_code)
    if carrier is None:
        raise ServiceError(
            "unknown_code", f"No carrier has the code {text_code}.", {"code": text_code}
        )
    if carrier.status != Status.LOST:
        raise ServiceError(
            "invalid_transition",
            "Record the loss (report_lost) before filing its report. 须先登记遗失再报送报告。",
            {"status": carrier.status},
        )
    for name in ("discovered_how", "responsible", "place", "circumstances", "possible_harm",
                 "remedies"):  # fmt: skip
        if not getattr(facts, name).strip():
            raise ServiceError(
                "invalid",
                f"The report states {name}. 遗失报告各项内容均须填写。",
                {"field": name},
            )
    now = timezone.now()
    if facts.quantity < 1:
        raise ServiceError("invalid", "quantity is at least 1.", {"field": "quantity"})
    if facts.occurred_at > now:
        raise ServiceError(
            "invalid", "The loss cannot lie in the future. 发生时间不能晚于现在。",
            {"field": "occurred_at"},
        )  # fmt: skip
    report = LossReport.objects.create(
        carrier=carrier,
        quantity=facts.quantity,
        discovered_how=facts.discovered_how.strip(),
        responsible=facts.responsible.strip(),
        occurred_at=facts.occurred_at,
        place=facts.place.strip(),
        circumstances=facts.circumstances.strip(),
        possible_harm=facts.possible_harm.strip(),
        remedies=facts.remedies.strip(),
        reported_by=principal.person,
        reported_at=now,
    )
    # The report deadline is met: the sweep stops watching it, and the case it opened (if
    # the report came late) ends here — its condition, no report filed, has cleared.
    if carrier.due_at is not None:
        carrier.due_at = None
        carrier.save(update_fields=["due_at", "updated_at"])
    send_required(condition_ended, kind="loss_report_due", carrier=carrier, at=now)
    return report


def loss_report_get(*, principal: Principal, report_id: int) -> LossReport:
    if principal.person is None or not principal.has_role(*FILERS):
        raise ServiceError(
            "forbidden", "Only the secrecy committee or a desk clerk reads loss reports.", {}
        )
    report = (
        LossReport.objects.select_related("carrier", "reported_by", "carrier__custodian")
        .filter(id=report_id)
        .first()
    )
    if report is None:
        raise ServiceError("unknown_code", f"No loss report {report_id}.", {"id": report_id})
    return report


# --- the written report (PDF, A4 portrait, Chinese) -------------------------------------

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 20.0
LABEL_W = 38.0
SIZE = 3.6  # about 10 pt
LINE = 6.0


def loss_report_pdf(*, principal: Principal, report: LossReport, out: IO[bytes]) -> None:
    """The report as sent to the secrecy administration: one field per row, wrapped."""
    zone = ZoneInfo(settings.CUSTOS_TIME_ZONE)
    carrier = report.carrier
    scope = list(carrier.scope.values_list("code", flat=True))
    knows = may_know(principal, level=carrier.level, scope_codes=scope)
    lost_at = _lost_at(carrier)
    deadline = report_deadline(report)
    on_time = deadline is None or report.reported_at <= deadline

    def local(value: datetime | None) -> str:
        return value.astimezone(zone).strftime("%Y年%m月%d日 %H:%M") if value else "—"

    rows = [
        ("报告单位", settings.CUSTOS_UNIT),
        ("载体编号", carrier.code),
        ("载体名称", carrier.title if knows else "（知悉范围外，不予显示）"),
        ("密级", LEVEL_ZH[carrier.level]),
        ("标志", carrier.marking),
        ("数量", f"{report.quantity}份（件）"),
        ("载体形式", Form(carrier.form).label),
        ("发生时间", local(report.occurred_at)),
        ("发生地点", report.place),
        ("发现经过", report.discovered_how),
        ("责任人", report.responsible),
        ("事件经过", report.circumstances),
        ("可能造成的危害", report.possible_harm),
        ("已采取的补救措施", report.remedies),
        ("登记遗失时间", local(lost_at)),
        (
            "报告时限",
            f"{local(deadline)}前（{settings.CUSTOS_LOSS_REPORT_HOURS}小时内）"
            + ("，按时报告" if on_time else "，已超时"),
        ),
        ("报告人", f"{report.reported_by.name}（{report.reported_by.code}）"),
        ("报告时间", local(report.reported_at)),
    ]
    doc = StreamingPdf(out, title="涉密载体遗失报告")
    doc.new_page(PAGE_W, PAGE_H)
    title = "涉密载体遗失报告"
    doc.text(
        PAGE_W / 2 - text.width(title, 6.5, fonts.BOLD) / 2, MARGIN + 8, 6.5, fonts.BOLD, title
    )
    doc.text(
        MARGIN, MARGIN + 18, 3.0, fonts.REGULAR, f"报送：保密行政管理部门　编号：遗失-{report.id}"
    )
    y = top = MARGIN + 24.0
    value_w = PAGE_W - 2 * MARGIN - LABEL_W - 4

    def close_table(bottom: float) -> None:
        doc.line(MARGIN, bottom, PAGE_W - MARGIN, bottom, 0.2)
        for x in (MARGIN, MARGIN + LABEL_W, PAGE_W - MARGIN):
            doc.line(x, top, x, bottom, 0.2)

    for label, value in rows:
        lines = text.wrap(fonts.printable(value or "—"), value_w, SIZE, fonts.REGULAR, max_lines=8)
        height = max(1, len(lines)) * LINE + 2.5
        if y + height > PAGE_H - MARGIN - 20:  # the next field goes on a new page
            close_table(y)
            doc.new_page(PAGE_W, PAGE_H)
            y = top = MARGIN
        doc.line(MARGIN, y, PAGE_W - MARGIN, y, 0.2)
        doc.text(MARGIN + 1.5, y + LINE, SIZE, fonts.BOLD, label)
        for i, line in enumerate(lines or ["—"]):
            doc.text(MARGIN + LABEL_W + 2, y + LINE * (i + 1), SIZE, fonts.REGULAR, line)
        y += height
    close_table(y)
    doc.text(
        MARGIN, y + 14, SIZE, fonts.REGULAR, "单位负责人（签字）：　　　　　　　　（单位盖章）"
    )
    doc.text(MARGIN, y + 24, SIZE, fonts.REGULAR, "年　　月　　日")
    doc.finish()
