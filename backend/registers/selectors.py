"""The four registers as streams of rows: carriers, classification decisions, lending and
destruction (CONTRACT.md ``/registers/{name}``).

Each register reads the database in keyset-paginated chunks (``id > last ORDER BY id
LIMIT n``) and fetches what a chunk's rows need (scope, decisions, return events) with one
query per chunk, so memory stays flat however many carriers there are and the number of
queries grows with chunks, not rows. Need-to-know applies cell by cell: a title, basis or
scope the caller may not know is an empty cell (CONTRACT.md "Need-to-know").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from backend.classification.models import Case, CaseKind, CaseState
from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.registers.models import REGISTER_NAMES
from backend.registry.levels import LEVEL_ZH, Form, Level
from backend.registry.marking import Period, marking
from backend.registry.models import Carrier, Person, Status
from backend.registry.policy import may_know, may_read_carriers
from backend.registry.principals import Principal

CHUNK = 2000
NAMES = REGISTER_NAMES  # written down once, with the export jobs' constraint

TITLES = {
    "carriers": "涉密载体登记簿",
    "classifications": "国家秘密事项定密登记簿",
    "lending": "涉密载体借阅登记簿",
    "destruction": "涉密载体销毁登记簿",
    "media": "涉密存储介质登记簿",
    "computers": "涉密计算机登记簿",
    "carry-outs": "涉密载体携带外出登记簿",
    "meetings": "会议文件发放回收登记簿",
    "campaigns": "涉密载体清退登记簿",
}

STATUS_ZH = dict(Status.choices)
FORM_ZH = dict(Form.choices)
DECISION_ZH = {
    CaseState.APPROVED: "批准",
    CaseState.AMENDED: "修改后批准",
    CaseState.REJECTED: "不予批准",
    CaseState.REFERRED: "报上级定密",
}
KIND_ZH = dict(Case._meta.get_field("kind").choices)  # type: ignore[arg-type]  # kind has flat choices


@dataclass(frozen=True, slots=True)
class Filters:
    start: date | None = None  # ``from``
    end: date | None = None  # ``to``, inclusive
    level: str | None = None
    status: str | None = None

    def describe(self) -> str:
        parts = []
        if self.start or self.end:
            parts.append(f"日期 {self.start or '…'} 至 {self.end or '…'}")
        if self.level:
            parts.append(f"密级 {LEVEL_ZH[self.level]}")
        if self.status:
            parts.append(f"状态 {STATUS_ZH[self.status]}")
        return "；".join(parts) or "全部"


@dataclass(slots=True)
class Register:
    name: str
    title: str
    headings: tuple[str, ...]
    widths: tuple[float, ...]  # relative column widths (PDF mm on A4 landscape, XLSX chars)
    rows: Iterator[tuple[str, ...]]
    filters: Filters
    extra: dict[str, Any] = field(default_factory=dict)


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.CUSTOS_TIME_ZONE)


def _local(value: datetime | None) -> str:
    return value.astimezone(_zone()).strftime("%Y-%m-%d %H:%M") if value else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _bounds(filters: Filters) -> tuple[datetime | None, datetime | None]:
    zone = _zone()
    start = datetime.combine(filters.start, time.min, zone) if filters.start else None
    end = datetime.combine(filters.end + timedelta(days=1), time.min, zone) if filters.end else None
    return start, end


def period_text(level: str, period: Period, declassified_on: date | None) -> str:
    text = marking(level, period).split("★", 1)[1]
    if declassified_on is not None:
        return f"{text}（已于{declassified_on.isoformat()}解密）"
    return text


def _copies(copy_no: int | None, total: int | None) -> str:
    if copy_no is None and total is None:
        return ""
    return f"共{total or '?'}份/第{copy_no or '?'}份"


def check_filters(*, principal: Principal, name: str, filters: Filters) -> None:
    if not may_read_carriers(principal) or principal.person is None:
        raise ServiceError("forbidden", _("Your roles do not include reading registers."))
    if name not in NAMES:
        raise ServiceError(
            "unknown_code",
            _("There is no register %(name)s.") % {"name": repr(name)},
            {"allowed": NAMES},
        )
    if filters.level and filters.level not in Level.values:
        raise ServiceError(
            "invalid",
            _("Unknown level %(level)s.") % {"level": repr(filters.level)},
            {"field": "level"},
        )
    if filters.status and filters.status not in Status.values:
        raise ServiceError(
            "invalid",
            _("Unknown status %(status)s.") % {"status": repr(filters.status)},
            {"field": "status"},
        )
    if filters.start and filters.end and filters.start > filters.end:
        raise ServiceError(
            "invalid", _("The start date lies after the end date."), {"field": "from"}
        )


def register_open(*, principal: Principal, name: str, filters: Filters) -> Register:
    """The register ``name`` as headings and a lazy stream of rows (need-to-know applied)."""
    check_filters(principal=principal, name=name, filters=filters)
    build = {
        "carriers": _carriers,
        "classifications": _classifications,
        "lending": _lending,
        "destruction": _destruction,
        "media": media.media_register,
        "computers": media.computers_register,
        "carry-outs": carryouts.carry_outs_register,
        "meetings": meetings.meetings_register,
        "campaigns": campaigns.campaigns_register,
    }[name]
    return build(principal, filters)


# --- shared chunk helpers ---------------------------------------------------------------


def _keyset(qs: Any, fields: tuple[str, ...]) -> Iterator[list[dict[str, Any]]]:
    last = 0
    while True:
        chunk = list(qs.filter(id__gt=last).order_by("id").values(*fields)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1]["id"]


def _scopes(carrier_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    rows = Carrier.scope.through.objects.filter(carrier_id__in=carrier_ids).values_list(
        "carrier_id", "person__code"
    )
    for carrier_id, code in rows:
        out.setdefault(carrier_id, []).append(code)
    return out


def _names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}  # an undecided case has no decider yet
    return dict(Person.objects.filter(id__in=wanted).values_list("id", "name")) if wanted else {}


def _carrier_filter(filters: Filters, prefix: str = "") -> Q:
    q = Q()
    if filters.level:
        q &= Q(**{f"{prefix}level": filters.level})
    if filters.status:
        q &= Q(**{f"{prefix}status": filters.status})
    return q


# --- 涉密载体登记簿 -------------------------------------------------------------------------

CARRIER_HEADINGS = (
    "编号",
    "名称",
    "载体形式",
    "制发日",
    "密级",
    "保密期限",
    "定密依据",
    "知悉范围",
    "份数/份号",
    "承办人",
    "定密责任人",
    "审批意见与日期",
    "状态",
    "保管人",
    "存放位置",  # so a register exported here imports elsewhere with its places
)
CARRIER_FIELDS = (
    "id",
    "code",
    "title",
    "form",
    "issued_on",
    "level",
    "period_years",
    "period_months",
    "period_days",
    "period_until",
    "period_condition",
    "basis",
    "copy_no",
    "copies_total",
    "status",
    "custodian__name",
    "location__name",
    "declassified_on",
)


def _carriers(principal: Principal, filters: Filters) -> Register:
    qs = Carrier.objects.filter(_carrier_filter(filters))
    if filters.start:
        qs = qs.filter(issued_on__gte=filters.start)
    if filters.end:
        qs = qs.filter(issued_on__lte=filters.end)

    def rows() -> Iterator[tuple[str, ...]]:
        for chunk in _keyset(qs, CARRIER_FIELDS):
            ids = [c["id"] for c in chunk]
            scopes = _scopes(ids)
            decided = _decisions(ids)
            people = _names(
                {p for d in decided.values() for p in (d["proposed_by_id"], d["decided_by_id"])}
            )
            for c in chunk:
                scope = scopes.get(c["id"], [])
                knows = may_know(principal, level=c["level"], scope_codes=scope)
                period = Period(
                    years=c["period_years"],
                    months=c["period_months"],
                    days=c["period_days"],
                    until=c["period_until"],
                    condition=c["period_condition"] or None,
                )
                d = decided.get(c["id"])
                yield (
                    c["code"],
                    c["title"] if knows else "",
                    FORM_ZH[c["form"]],
                    _day(c["issued_on"]),
                    LEVEL_ZH[c["level"]],
                    period_text(c["level"], period, c["declassified_on"]),
                    c["basis"] if knows else "",
                    "、".join(sorted(scope)) if knows else "",
                    _copies(c["copy_no"], c["copies_total"]),
                    people.get(d["proposed_by_id"], "") if d else "",
                    (d["superior"] or people.get(d["decided_by_id"], "")) if d else "",
                    f"{d['decision_opinion']}（{_local(d['decided_at'])}）" if d else "",
                    STATUS_ZH[c["status"]],
                    c["custodian__name"],
                    c["location__name"],
                )

    return Register(
        "carriers",
        TITLES["carriers"],
        CARRIER_HEADINGS,
        (24, 34, 12, 17, 9, 20, 24, 22, 16, 13, 14, 30, 11, 13, 16),
        rows(),
        filters,
        {"count": qs.count},  # the rows' own query, for a job's progress
    )


def _decisions(carrier_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The approval that classified each carrier (its first approved round)."""
    out: dict[int, dict[str, Any]] = {}
    rows = (
        Case.objects.filter(
            carrier_id__in=carrier_ids,
            state__in=[CaseState.APPROVED, CaseState.AMENDED],
            kind__in=[CaseKind.INITIAL, CaseKind.COMPILATION],
        )
        .order_by("id")
        .values(
            "carrier_id",
            "proposed_by_id",
            "decided_by_id",
            "decided_at",
            "decision_opinion",
            "superior",
        )
    )
    for row in rows:
        out.setdefault(row["carrier_id"], dict(row))
    return out


# --- 定密登记簿 ---------------------------------------------------------------------------

CASE_HEADINGS = (
    "编号",
    "名称",
    "事项类别",
    "拟定密级与期限",
    "定密依据",
    "承办人",
    "拟定日期",
    "审核人",
    "审核意见",
    "定密责任人/上级机关",
    "决定",
    "决定意见",
    "决定日期",
    "原标志",
    "现标志",
)


def _classifications(principal: Principal, filters: Filters) -> Register:
    qs = Case.objects.exclude(state__in=[CaseState.PROPOSED, CaseState.REVIEWED])
    qs = qs.filter(_carrier_filter(filters, "carrier__"))
    start, end = _bounds(filters)
    if start:
        qs = qs.filter(
            Q(decided_at__gte=start) | Q(decided_at__isnull=True, referred_at__gte=start)
        )
    if end:
        qs = qs.filter(Q(decided_at__lt=end) | Q(decided_at__isnull=True, referred_at__lt=end))
    fields = (
        "id", "carrier_id", "carrier__code", "carrier__title", "carrier__level", "kind", "state",
        "level", "period_years", "period_months", "period_days", "period_until",
        "period_condition", "basis", "final_basis", "proposed_by_id", "proposed_at",
        "reviewed_by_id", "review_opinion", "decided_by_id", "decided_at", "decision_opinion",
        "referral_opinion", "referred_at", "referred_by_id", "superior", "old_marking",
        "new_marking", "automatic",
    )  # fmt: skip

    def rows() -> Iterator[tuple[str, ...]]:
        for chunk in _keyset(qs, fields):
            scopes = _scopes(list({c["carrier_id"] for c in chunk}))
            people = _names(
                {
                    p
                    for c in chunk
                    for p in (
                        c["proposed_by_id"],
                        c["reviewed_by_id"],
                        c["decided_by_id"],
                        c["referred_by_id"],
                    )
                }
            )
            for c in chunk:
                knows = may_know(
                    principal,
                    level=c["carrier__level"],
                    scope_codes=scopes.get(c["carrier_id"], []),
                )
                proposed = marking(
                    c["level"],
                    Period(
                        years=c["period_years"],
                        months=c["period_months"],
                        days=c["period_days"],
                        until=c["period_until"],
                        condition=c["period_condition"] or None,
                    ),
                )
                referred = c["state"] == CaseState.REFERRED
                authority = c["superior"] or people.get(
                    c["referred_by_id"] if referred else c["decided_by_id"], ""
                )
                if c["automatic"]:
                    authority = "自行解密"
                yield (
                    c["carrier__code"],
                    c["carrier__title"] if knows else "",
                    KIND_ZH[c["kind"]],
                    proposed if c["kind"] != CaseKind.DECLASSIFY else "解密",
                    (c["final_basis"] or c["basis"]) if knows else "",
                    people.get(c["proposed_by_id"], "") if not c["automatic"] else "",
                    _local(c["proposed_at"]),
                    people.get(c["reviewed_by_id"], ""),
                    c["review_opinion"],
                    authority,
                    DECISION_ZH[c["state"]],
                    c["referral_opinion"] if referred else c["decision_opinion"],
                    _local(c["referred_at"] if referred else c["decided_at"]),
                    c["old_marking"],
                    c["new_marking"],
                )

    return Register(
        "classifications",
        TITLES["classifications"],
        CASE_HEADINGS,
        (24, 30, 14, 18, 22, 12, 17, 12, 20, 16, 12, 22, 17, 15, 15),
        rows(),
        filters,
        {"count": qs.count},  # the rows' own query, for a job's progress
    )


# --- 借阅登记簿 ---------------------------------------------------------------------------

LENDING_HEADINGS = (
    "编号",
    "名称",
    "密级",
    "借阅人",
    "经办人",
    "借出时间",
    "应还时间",
    "归还时间",
    "收回人",
)


def _returns_of(carrier_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each carrier's ``return`` events in chain order (seq, time, who took it back)."""
    returns: dict[int, list[dict[str, Any]]] = {}
    for r in (
        CustodyEvent.objects.filter(carrier_id__in=carrier_ids, action="return")
        .order_by("seq")
        .values("carrier_id", "seq", "occurred_at", "actor__name")
    ):
        returns.setdefault(r["carrier_id"], []).append(r)
    return returns


def _return_after(
    returns: dict[int, list[dict[str, Any]]], event: dict[str, Any]
) -> dict[str, Any] | None:
    """The first return of the event's carrier after it: the checkout's way back."""
    return next((r for r in returns.get(event["carrier_id"], []) if r["seq"] > event["seq"]), None)


def _events(actions: tuple[str, ...], filters: Filters) -> Any:
    qs = CustodyEvent.objects.filter(action__in=actions).filter(
        _carrier_filter(filters, "carrier__")
    )
    start, end = _bounds(filters)
    if start:
        qs = qs.filter(occurred_at__gte=start)
    if end:
        qs = qs.filter(occurred_at__lt=end)
    return qs


def _lending(principal: Principal, filters: Filters) -> Register:
    # Event ids are UUIDs, so the keyset runs over (recorded_at, id) instead of an integer.
    qs = _events(("checkout",), filters)
    fields = (
        "id", "carrier_id", "carrier__code", "carrier__title", "carrier__level", "seq",
        "counterpart__name", "actor__name", "occurred_at", "due_at",
    )  # fmt: skip

    def rows() -> Iterator[tuple[str, ...]]:
        for chunk in _uuid_keyset(qs, fields):
            carrier_ids = list({e["carrier_id"] for e in chunk})
            scopes = _scopes(carrier_ids)
            returns = _returns_of(carrier_ids)
            for e in chunk:
                knows = may_know(
                    principal,
                    level=e["carrier__level"],
                    scope_codes=scopes.get(e["carrier_id"], []),
                )
                back = _return_after(returns, e)
                yield (
                    e["carrier__code"],
                    e["carrier__title"] if knows else "",
                    LEVEL_ZH[e["carrier__level"]],
                    e["counterpart__name"] or "",
                    e["actor__name"],
                    _local(e["occurred_at"]),
                    _local(e["due_at"]),
                    _local(back["occurred_at"]) if back else "",
                    back["actor__name"] if back else "",
                )

    return Register(
        "lending",
        TITLES["lending"],
        LENDING_HEADINGS,
        (26, 50, 10, 20, 20, 28, 28, 28, 20),
        rows(),
        filters,
        {"count": qs.count},  # the rows' own query, for a job's progress
    )


def _uuid_keyset(qs: Any, fields: tuple[str, ...]) -> Iterator[list[dict[str, Any]]]:
    """Chunks in (recorded_at, id) order; ``recorded_at`` is the server's append order."""
    cursor: tuple[datetime, Any] | None = None
    fields = (*fields, "recorded_at") if "recorded_at" not in fields else fields
    while True:
        page = qs
        if cursor is not None:
            at, last = cursor
            page = page.filter(Q(recorded_at__gt=at) | Q(recorded_at=at, id__gt=last))
        chunk = list(page.order_by("recorded_at", "id").values(*fields)[:CHUNK])
        if not chunk:
            return
        yield chunk
        cursor = (chunk[-1]["recorded_at"], chunk[-1]["id"])


# --- 销毁登记簿 ---------------------------------------------------------------------------

DESTRUCTION_HEADINGS = (
    "编号",
    "名称",
    "密级",
    "载体形式",
    "份数/份号",
    "申请人",
    "批准人",
    "监销人",
    "销毁时间",
    "销毁地点",
    "执行人",
)


def _destruction(principal: Principal, filters: Filters) -> Register:
    # Kept for ever: nothing here ages out; the ledger rows it reads are append-only.
    qs = _events(("destroy",), filters)
    fields = (
        "id", "carrier_id", "carrier__code", "carrier__title", "carrier__level", "carrier__form",
        "carrier__copy_no", "carrier__copies_total", "seq", "occurred_at", "location__name",
        "actor__name",
    )  # fmt: skip

    def rows() -> Iterator[tuple[str, ...]]:
        for chunk in _uuid_keyset(qs, fields):
            carrier_ids = list({e["carrier_id"] for e in chunk})
            scopes = _scopes(carrier_ids)
            steps: dict[int, list[dict[str, Any]]] = {}
            for r in (
                CustodyEvent.objects.filter(
                    carrier_id__in=carrier_ids,
                    action__in=("destroy_request", "destroy_approve", "destroy_witness", "found"),
                )
                .order_by("seq")
                .values("carrier_id", "seq", "action", "actor__name", "counterpart__name")
            ):
                steps.setdefault(r["carrier_id"], []).append(r)
            for e in chunk:
                knows = may_know(
                    principal,
                    level=e["carrier__level"],
                    scope_codes=scopes.get(e["carrier_id"], []),
                )
                requester = approver = ""
                witnesses: list[str] = []
                for s in steps.get(e["carrier_id"], []):
                    if s["seq"] > e["seq"]:
                        break
                    if s["action"] in ("destroy_request", "found"):
                        # A new request (or a carrier found again) starts a fresh procedure.
                        requester, approver, witnesses = "", "", []
                    if s["action"] == "destroy_request":
                        requester = s["actor__name"]
                    elif s["action"] == "destroy_approve":
                        approver = s["actor__name"]
                    elif s["action"] == "destroy_witness":
                        witnesses.append(s["counterpart__name"] or "")
                yield (
                    e["carrier__code"],
                    e["carrier__title"] if knows else "",
                    LEVEL_ZH[e["carrier__level"]],
                    FORM_ZH[e["carrier__form"]],
                    _copies(e["carrier__copy_no"], e["carrier__copies_total"]),
                    requester,
                    approver,
                    "、".join(witnesses),
                    _local(e["occurred_at"]),
                    e["location__name"] or "",
                    e["actor__name"],
                )

    return Register(
        "destruction",
        TITLES["destruction"],
        DESTRUCTION_HEADINGS,
        (26, 44, 10, 14, 18, 18, 18, 30, 28, 22, 18),
        rows(),
        filters,
        {"count": qs.count},  # the rows' own query, for a job's progress
    )


# The media, carry-out, meeting and campaign registers live in their own modules, which
# build on the helpers above; they are imported last because they import them.
from backend.registers import campaigns, carryouts, media, meetings  # noqa: E402
