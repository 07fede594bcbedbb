"""The destruction certificate (涉密载体销毁证明): an A4 PDF in Chinese.

reportlab cannot embed the CFF-flavoured Noto Sans CJK that ``labels.fonts`` finds, so the
text is drawn as vector outlines through ``labels.vector.PdfDocument`` — the same path
the labels take — and shows the same on any viewer, with no font installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from backend.custody.models import CustodyEvent
from backend.custody.paper import FOOT_HEIGHT, checkpoint_foot
from backend.desk.common import zone
from backend.registry.levels import LEVEL_ZH
from backend.registry.models import Carrier, Person
from backend.registry.texts import unit_name
from labels import fonts
from labels.layout import Label, Text
from labels.matrix import Matrix
from labels.text import wrap as text_wrap
from labels.vector import PdfDocument

A4 = (210.0, 297.0)
MARGIN = 18.0
FORM_ZH = {
    "paper": "纸介质",
    "magnetic": "磁介质",
    "optical": "光介质",
    "electronic": "电子",
    "device": "设备",
}


@dataclass(frozen=True, slots=True)
class Entry:
    carrier: Carrier
    title: str | None  # None: the reader may not know it (need-to-know)
    events: list[CustodyEvent]  # this destruction's events, request to destroy


# A certificate line wraps rather than being cut: a name or a place is evidence.
MAX_LINES = 6
LEADING = 1.45


def _t(value: datetime | None) -> str:
    return value.astimezone(zone()).strftime("%Y年%m月%d日 %H:%M") if value else "—"


class _Page:
    def __init__(self) -> None:
        self.items: list[Text | Matrix] = []
        self.y = MARGIN

    def line(
        self,
        x: float,
        content: str,
        size: float = 3.6,
        weight: int = fonts.REGULAR,
        width: float | None = None,
    ) -> None:
        width = width if width is not None else A4[0] - MARGIN - x
        lines = text_wrap(fonts.printable(content), width, size, weight, max_lines=MAX_LINES)
        for i, line in enumerate(lines):
            if i:
                self.y += size * LEADING  # the caller's own step follows the last line
            self.items.append(Text(x=x, baseline=self.y, size=size, weight=weight, text=line))

    def center(self, text: str, size: float, weight: int = fonts.BOLD) -> None:
        w = fonts.advance(text, weight) * size
        self.items.append(
            Text(x=(A4[0] - w) / 2, baseline=self.y, size=size, weight=weight, text=text)
        )


def render(entries: list[Entry], *, issued_by: Person) -> bytes:
    doc = PdfDocument()
    for p in layout(entries, issued_by=issued_by):
        doc.new_page(*A4)
        doc.draw(Label(width=A4[0], height=A4[1], dpi=600, items=tuple(p.items)))
    return doc.finish()


def layout(entries: list[Entry], *, issued_by: Person) -> list[_Page]:
    """The certificate's pages as positioned lines of text."""
    pages: list[_Page] = []
    page = _Page()
    pages.append(page)
    page.y = MARGIN + 10
    page.center("涉密载体销毁证明", 8.0)
    page.y += 8
    page.center(f"单位：{unit_name()}    开具：{_t(timezone.now())}", 3.4, fonts.REGULAR)
    page.y += 10
    for n, entry in enumerate(entries, start=1):
        if page.y > A4[1] - MARGIN - 60:
            page = _Page()
            pages.append(page)
        c = entry.carrier
        by = {e.action: e for e in entry.events}
        witnesses = [e for e in entry.events if e.action == "destroy_witness"]
        page.line(MARGIN, f"{n}. 载体编号 {c.code}    密级 {c.marking}", 4.2, fonts.BOLD)
        page.y += 6.5
        page.line(MARGIN + 5, "名称：" + (entry.title or "（按知悉范围不予显示）"))
        page.y += 5.5
        copies = f"第{c.copy_no}份 共{c.copies_total}份" if c.copy_no and c.copies_total else "—"
        page.line(
            MARGIN + 5,
            f"载体形式：{FORM_ZH.get(c.form, c.form)}    份号：{copies}    "
            f"密级：{LEVEL_ZH[c.level]}",
        )
        page.y += 5.5
        if "destroy_request" in by:
            e = by["destroy_request"]
            page.line(
                MARGIN + 5,
                f"申请人：{e.actor.name}（{e.actor.code}）    申请时间：{_t(e.occurred_at)}",
            )
            page.y += 5.5
        if "destroy_approve" in by:
            e = by["destroy_approve"]
            page.line(
                MARGIN + 5,
                f"批准人：{e.actor.name}（{e.actor.code}）    批准时间：{_t(e.occurred_at)}",
            )
            page.y += 5.5
        for i, e in enumerate(witnesses, start=1):
            who = e.counterpart.name if e.counterpart else "—"
            code = e.counterpart.code if e.counterpart else ""
            page.line(MARGIN + 5, f"监销人{i}：{who}（{code}）    确认时间：{_t(e.occurred_at)}")
            page.y += 5.5
        if "destroy" in by:
            e = by["destroy"]
            place = e.location.name if e.location else "—"
            page.line(
                MARGIN + 5,
                f"销毁执行：{e.actor.name}（{e.actor.code}）    "
                f"销毁时间：{_t(e.occurred_at)}    地点：{place}",
            )
            page.y += 5.5
            page.line(MARGIN + 5, f"台账记录：第{e.seq}号事件  哈希 {e.hash[:16]}…", 3.0)
            page.y += 5
        page.y += 5
    # The attestation, then the latest signed checkpoint at the foot (issue 13): the
    # certificate carries the ledger's published state, so a later rewrite is provable.
    foot = checkpoint_foot(left=MARGIN, top=A4[1] - MARGIN - FOOT_HEIGHT, width=A4[0] - 2 * MARGIN)
    bottom = A4[1] - MARGIN - 30 - (FOOT_HEIGHT + 4 if foot else 0)
    if page.y + 6 > bottom:
        page = _Page()
        pages.append(page)
    page.y = max(page.y + 6, bottom)
    page.items.extend(foot)
    page.line(
        MARGIN,
        "以上涉密载体已按《保密法》及本单位规定销毁，经两名以上监销人全程监督，特此证明。",
        3.6,
    )
    page.y += 12
    page.line(MARGIN, f"出具人：{issued_by.name}（{issued_by.code}）", 3.6)
    page.line(A4[0] / 2 + 10, "保密委员会（盖章）", 3.6)
    page.y += 8
    page.line(MARGIN, f"共{len(entries)}件    本证明由 Custos 据台账生成", 3.0)
    return pages
