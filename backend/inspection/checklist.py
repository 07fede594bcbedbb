"""The self-inspection checklist (自查自评): the default the unit starts from, the
committee's edits, and a year's checklist filled in.

An automatic item fills itself from ``evidence.figure`` (the one selector the annual
report shares), with the rows behind its figure; a manual item is answered by the
committee with a note and an attachment. Scores follow ``scoring``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.inspection import evidence, scoring
from backend.inspection.models import (
    ITEM_EDITABLE,
    MANUAL,
    Answer,
    Attachment,
    Checklist,
    Comparison,
    Item,
    SelfInspection,
)
from backend.registry.models import Person
from backend.registry.principals import Principal, require_role

# (heading, text, what evidence answers it, evidence key or manual, comparison, target,
# of_evidence, weight): the usual unit checklist's headings, in their order.
DEFAULT: tuple[tuple[str, str, str, str, str, int, str, int], ...] = (
    (
        "保密组织",
        "保密委员会（领导小组）是否健全、职责是否明确",
        "成立文件、成员名单及分工",
        MANUAL,
        "at_least",
        0,
        "",
        5,
    ),
    ("保密组织", "是否逐级签订保密责任书", "已签订的保密责任书", MANUAL, "at_least", 0, "", 5),
    (
        "定密管理",
        "定密是否履行程序（拟定、审核、批准）",
        "该年定密决定及其承办人、审核人、批准人；未经审核的决定数",
        "classification_unreviewed",
        "at_most",
        0,
        "",
        10,
    ),
    (
        "定密管理",
        "年度定密审核是否开展",
        "该年作出的变更、解密决定",
        "annual_review",
        "at_least",
        1,
        "",
        5,
    ),
    (
        "涉密人员",
        "涉密人员是否经保密审查并签订保密承诺书",
        "审查记录与保密承诺书",
        MANUAL,
        "at_least",
        0,
        "",
        5,
    ),
    (
        "涉密人员",
        "离岗离职涉密人员是否执行脱密期管理",
        "脱密期管理记录",
        MANUAL,
        "at_least",
        0,
        "",
        5,
    ),
    (
        "涉密载体",
        "涉密载体是否登记造册",
        "该年登记的涉密载体",
        "carriers_registered",
        "at_least",
        1,
        "",
        5,
    ),
    (
        "涉密载体",
        "涉密载体是否定期清查",
        "该年完成的清查及其日期与结果",
        "stocktakes",
        "at_least",
        4,
        "",
        10,
    ),
    (
        "涉密载体",
        "清查是否账物相符",
        "发现缺失的清查",
        "stocktakes_with_missing",
        "at_most",
        0,
        "",
        5,
    ),
    ("涉密载体", "超期未归还", "该年开立的逾期案件", "overdue_cases", "at_most", 0, "", 5),
    (
        "涉密载体",
        "逾期案件是否年内处理完毕",
        "年末仍未解决的逾期案件",
        "overdue_unresolved",
        "at_most",
        0,
        "",
        5,
    ),
    (
        "涉密载体",
        "销毁是否双人监销",
        "该年的销毁及其监销人",
        "destruction_witnessed",
        "all_of",
        0,
        "destructions",
        10,
    ),
    (
        "涉密计算机与存储介质",
        "涉密计算机是否专机专用、未接入互联网",
        "检查记录",
        MANUAL,
        "at_least",
        0,
        "",
        5,
    ),
    (
        "涉密计算机与存储介质",
        "涉密存储介质是否标密、登记、统一管理",
        "介质登记与检查记录",
        MANUAL,
        "at_least",
        0,
        "",
        5,
    ),
    (
        "会议活动",
        "涉密会议是否制定保密方案、文件是否清点收回",
        "会议保密方案与文件发放回收记录",
        MANUAL,
        "at_least",
        0,
        "",
        5,
    ),
    (
        "宣传教育",
        "是否开展保密宣传教育培训",
        "培训通知、签到表与材料",
        MANUAL,
        "at_least",
        0,
        "",
        5,
    ),
    (
        "泄密事件报告",
        "载体遗失是否在24小时内书面报告",
        "该年的遗失及其报告时间",
        "losses_reported",
        "all_of",
        0,
        "losses",
        10,
    ),
)
VALUES = ("yes", "partial", "no")
MAX_ATTACHMENT = 10 * 1024 * 1024


@transaction.atomic
def checklist_current() -> Checklist:
    """The unit's checklist, seeded with ``DEFAULT`` the first time it is asked for."""
    checklist = Checklist.objects.select_for_update().order_by("id").first()
    if checklist is not None:
        return checklist
    checklist = Checklist.objects.create(name="保密工作自查自评表", created_at=timezone.now())
    Item.objects.bulk_create(
        Item(
            checklist=checklist,
            position=(n + 1) * 10,
            heading=heading,
            text=text,
            evidence_text=says,
            evidence=key,
            comparison=comparison,
            target=target,
            of_evidence=of,
            weight=Decimal(weight),
        )
        for n, (heading, text, says, key, comparison, target, of, weight) in enumerate(DEFAULT)
    )
    return checklist


def _committee(principal: Principal) -> Person:
    require_role(principal, "committee")
    assert principal.person is not None  # noqa: S101 - the committee role is a person's
    return principal.person


def _check_item(fields: dict[str, Any]) -> None:
    for key in ("evidence", "of_evidence"):
        value = fields.get(key)
        if value and value != MANUAL and value not in evidence.FIGURE_KEYS:
            raise ServiceError(
                "invalid",
                _("No figure is called %(key)s.") % {"key": value},
                {"field": key, "allowed": [MANUAL, *evidence.FIGURE_KEYS]},
            )
    if fields.get("comparison") == Comparison.ALL_OF and not fields.get("of_evidence"):
        raise ServiceError(
            "invalid",
            _("Say which figure this one must equal."),
            {"field": "of_evidence", "reason": "required"},
        )
    if "weight" in fields and Decimal(fields["weight"]) < 0:
        raise ServiceError("invalid", _("A weight is not negative."), {"field": "weight"})


EDITABLE = ITEM_EDITABLE


def past_years_keep(checklist_id: int) -> int:
    """Before the committee changes a checklist, each year already over that was inspected
    against it keeps the items as they stand (``SelfInspection.items_kept``): its checklist
    and score are what the committee signed off, whatever is edited for the years after.
    How many years were kept now."""
    this_year = timezone.localdate().year
    years = SelfInspection.objects.select_for_update().filter(
        checklist_id=checklist_id, year__lt=this_year, items_kept__isnull=True
    )
    kept = [scoring.item_kept(item) for item in Item.objects.filter(checklist_id=checklist_id)]
    return years.update(items_kept=kept) if kept else 0


@transaction.atomic
def item_add(*, principal: Principal, **fields: Any) -> Item:
    _committee(principal)
    fields = {k: v for k, v in fields.items() if k in EDITABLE and v is not None}
    _check_item(fields)
    checklist = checklist_current()
    past_years_keep(checklist.id)
    if "position" not in fields:
        last = checklist.items.order_by("-position").values_list("position", flat=True).first()
        fields["position"] = (last or 0) + 10
    return Item.objects.create(checklist=checklist, **fields)


@transaction.atomic
def item_edit(*, principal: Principal, item_id: int, **fields: Any) -> Item:
    """Change an item (the committee's edit); ``retired`` hides it from this year on. The
    years already over keep the item as it was (:func:`past_years_keep`)."""
    _committee(principal)
    item = Item.objects.select_for_update().filter(id=item_id).first()
    if item is None:
        raise ServiceError("not_found", _("There is no checklist item %(id)s.") % {"id": item_id})
    past_years_keep(item.checklist_id)
    changes = {
        k: v for k, v in fields.items() if (k in EDITABLE or k == "retired") and v is not None
    }
    _check_item({**{k: getattr(item, k) for k in EDITABLE}, **changes})
    for key, value in changes.items():
        setattr(item, key, value)
    item.save(update_fields=list(changes) or None)
    item.refresh_from_db()  # the stored values (a weight as the column keeps it)
    return item


@transaction.atomic
def self_inspection_start(*, principal: Principal, year: int) -> SelfInspection:
    """The year's self-inspection, started once against the unit's checklist."""
    person = _committee(principal)
    if not 2000 <= year <= timezone.localdate().year:
        raise ServiceError("invalid", _("No self-inspection for the year %(y)s.") % {"y": year})
    found = SelfInspection.objects.filter(year=year).first()
    if found is not None:
        return found
    return SelfInspection.objects.create(
        year=year, checklist=checklist_current(), started_by=person, started_at=timezone.now()
    )


def attachment_store(*, person: Person, name: str, content_type: str, data: bytes) -> Attachment:
    if not data or len(data) > MAX_ATTACHMENT:
        raise ServiceError(
            "invalid",
            _("An attachment holds 1 byte to 10 MB."),
            {"field": "attachment", "reason": "size"},
        )
    return Attachment.objects.create(
        name=(name or "attachment")[:200],
        content_type=(content_type or "application/octet-stream")[:100],
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=person,
        uploaded_at=timezone.now(),
    )


def attachment_decode(content_base64: str) -> bytes:
    try:
        return base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError(
            "invalid", _("The attachment is not base64."), {"field": "attachment"}
        ) from None


@transaction.atomic
def answer_give(
    *,
    principal: Principal,
    year: int,
    item_id: int,
    value: str,
    note: str = "",
    score: Decimal | None = None,
    attachment: Attachment | None = None,
) -> Answer:
    """Answer a manual item: yes scores its weight, partial half, no nothing — unless a
    score (at most the weight) is given. An automatic item answers itself."""
    person = _committee(principal)
    inspection = SelfInspection.objects.filter(year=year).first()
    if inspection is None:
        raise ServiceError(
            "not_found", _("No self-inspection was started for %(y)s.") % {"y": year}
        )
    # The year's own items: for a year already over, those it kept (its weights too).
    item = next((i for i in scoring.year_items(inspection) if i.id == item_id), None)
    if item is None:
        raise ServiceError("not_found", _("There is no checklist item %(id)s.") % {"id": item_id})
    if item.evidence != MANUAL:
        raise ServiceError(
            "invalid_transition",
            _("This item fills itself from the ledger."),
            {"item": item_id, "evidence": item.evidence},
        )
    if value not in VALUES:
        raise ServiceError(
            "invalid", _("Answer yes, partial or no."), {"field": "value", "allowed": VALUES}
        )
    given = scoring.manual_score(item=item, value=value, score=score)
    previous = Answer.objects.filter(self_inspection=inspection, item=item).first()
    answer, _created = Answer.objects.update_or_create(
        self_inspection=inspection,
        item=item,
        defaults={
            "value": value,
            "note": note.strip(),
            "score": given,
            "attachment": attachment or (previous.attachment if previous else None),
            "answered_by": person,
            "answered_at": timezone.now(),
        },
    )
    return answer
