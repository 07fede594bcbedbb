"""会议文件发放回收登记簿 and a meeting's own record: every copy issued at a meeting, to
whom, when, and when it came back.

Both are registers like the others (the same renderer, signed foot and need-to-know) and
live here because registers sit above the meetings they report on (docs/architecture.md).
The rows come from the ledger: an issue is a ``checkout`` carrying ``"meeting": id`` and
its return the carrier's next ``return``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone

from backend.downloads import written_download
from backend.meetings.models import Meeting
from backend.meetings.selectors import meeting_get, meeting_holders
from backend.registers import render
from backend.registers.selectors import (
    TITLES,
    Filters,
    Register,
    _events,
    _local,
    _return_after,
    _returns_of,
    _scopes,
    _uuid_keyset,
)
from backend.registry.levels import LEVEL_ZH
from backend.registry.policy import may_know
from backend.registry.principals import Principal

RECORD_HEADINGS = (
    "参会人",
    "证件编号",
    "签到时间",
    "文件编号",
    "份号",
    "密级",
    "名称",
    "发放时间",
    "收回时间",
    "收回人",
    "状态",
)
REGISTER_HEADINGS = (
    "会议",
    "会议时间",
    "地点",
    "文件编号",
    "份号",
    "密级",
    "名称",
    "领取人",
    "发放时间",
    "收回时间",
    "收回人",
)


def _copy_no(no: int | None, total: int | None) -> str:
    return f"第{no}份" if no is not None else ""


def _venue(meeting: Meeting) -> str:
    if meeting.venue_swept_at is None:
        return "未记录"
    by = meeting.venue_swept_by
    who = f"{by.name}，" if by is not None else ""
    return f"{meeting.venue_note}（{who}{_local(meeting.venue_swept_at)}）"


def meeting_record(*, principal: Principal, meeting_id: int) -> Register:
    """The meeting record: each attendee with their sign-in and the copies issued to them
    and collected; copies still out are marked 未收回 (the close's missing list)."""
    meeting = meeting_get(principal=principal, meeting_id=meeting_id)
    holders = meeting_holders(meeting)
    copies = [c for h in holders for c in h.copies]
    scopes = _scopes(list({c.carrier_id for c in copies}))

    def rows() -> Iterator[tuple[str, ...]]:
        for h in holders:
            signed = _local(h.signed_in_at)
            if not h.copies:
                yield (h.name, h.person, signed, "", "", "", "", "", "", "", "未领取")
            for c in h.copies:
                knows = may_know(principal, level=c.level, scope_codes=scopes.get(c.carrier_id, []))
                yield (
                    h.name,
                    h.person,
                    signed,
                    c.carrier,
                    _copy_no(c.copy_no, c.copies_total),
                    LEVEL_ZH[c.level],
                    c.title if knows else "",
                    _local(c.issued_at),
                    _local(c.returned_at),
                    c.returned_by,
                    "已收回" if c.returned else "未收回",
                )

    returned = sum(1 for c in copies if c.returned)
    title = (
        f"会议记录 — {meeting.title}（{_local(meeting.starts_at)} {meeting.location.name}，"
        f"{LEVEL_ZH[meeting.level]}；参会 {len(holders)} 人，签到 "
        f"{sum(1 for h in holders if h.signed_in_at)} 人；发放 {len(copies)} 份，收回 "
        f"{returned} 份，未收回 {len(copies) - returned} 份；会场清场："
        f"{_venue(meeting)}）"
    )
    return Register(
        "meeting",
        title,
        RECORD_HEADINGS,
        (20, 22, 24, 24, 12, 10, 40, 24, 24, 18, 14),
        rows(),
        Filters(),
    )


def meeting_record_pdf(*, principal: Principal, meeting_id: int) -> FileResponse:
    """The record as a signed PDF; raises ServiceError as :func:`meeting_record` does."""
    record = meeting_record(principal=principal, meeting_id=meeting_id)
    generated = timezone.now().astimezone(ZoneInfo(settings.CUSTOS_TIME_ZONE))

    def write(out: IO[bytes]) -> str:
        render.signed_pdf(record, out, generated=generated)
        return f"会议记录-{meeting_id}.pdf"

    return written_download(write, content_type="application/pdf")


def meetings_register(principal: Principal, filters: Filters) -> Register:
    """会议文件发放回收登记簿: one row per copy issued at any meeting, in issue order."""
    qs = _events(("checkout",), filters).filter(payload__has_key="meeting")
    fields = (
        "id", "carrier_id", "carrier__code", "carrier__title", "carrier__level",
        "carrier__copy_no", "carrier__copies_total", "seq", "counterpart__name",
        "occurred_at", "payload",
    )  # fmt: skip

    def rows() -> Iterator[tuple[str, ...]]:
        for chunk in _uuid_keyset(qs, fields):
            carrier_ids = list({e["carrier_id"] for e in chunk})
            scopes = _scopes(carrier_ids)
            meetings = {
                m.id: m
                for m in Meeting.objects.filter(
                    id__in={e["payload"]["meeting"] for e in chunk}
                ).select_related("location")
            }
            returns = _returns_of(carrier_ids)
            for e in chunk:
                m = meetings.get(e["payload"]["meeting"])
                knows = may_know(
                    principal,
                    level=e["carrier__level"],
                    scope_codes=scopes.get(e["carrier_id"], []),
                )
                back = _return_after(returns, e)
                yield (
                    m.title if m else "",
                    _local(m.starts_at) if m else "",
                    m.location.name if m else "",
                    e["carrier__code"],
                    _copy_no(e["carrier__copy_no"], e["carrier__copies_total"]),
                    LEVEL_ZH[e["carrier__level"]],
                    e["carrier__title"] if knows else "",
                    e["counterpart__name"] or "",
                    _local(e["occurred_at"]),
                    _local(back["occurred_at"]) if back else "",
                    back["actor__name"] if back else "",
                )

    return Register(
        "meetings",
        TITLES["meetings"],
        REGISTER_HEADINGS,
        (36, 24, 20, 26, 12, 10, 40, 18, 24, 24, 18),
        rows(),
        filters,
        {"count": qs.count},
    )
