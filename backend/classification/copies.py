"""复制、摘录 and 汇编: copies, extracts and compilations of classified carriers.

Sources: Reg Art. 23 and 定密管理暂行规定 Art. 20 (派生定密: a copy or extract takes its
source's classification, "直接套用"); 保密法 Art. 30 (copying a classified carrier needs the
approval of the unit; 绝密 only with the consent of the originating authority). Each
copy is a new carrier with the original as parent, its own code and copy number, and
its own ledger chain, opened by the copy approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from backend.classification.intake import carrier_register
from backend.classification.models import CaseKind, CopyKind, CopyRequest, CopyState
from backend.classification.periods import compilation
from backend.custody.locks import carrier_lock
from backend.errors import ServiceError
from backend.registry.levels import Form
from backend.registry.marking import Period
from backend.registry.models import Carrier, Location, Person, Status
from backend.registry.principals import Principal, require_role
from backend.registry.selectors import code_or_error
from labels.codes import Kind

MAX_COPIES = 100
_COPYABLE = (Status.REGISTERED, Status.IN_STORAGE, Status.IN_USE)


@dataclass(frozen=True, slots=True)
class Consent:
    """The originating authority's consent to copy a 绝密 carrier (原定密机关同意)."""

    by: str
    on: date
    note: str = ""


def _original(code: str) -> Carrier:
    text = code_or_error(code, Kind.CARRIER, "code")
    carrier = carrier_lock(code=text)
    if carrier is None:
        raise ServiceError("unknown_code", f"No carrier has the code {text}.", {"code": text})
    return carrier


@transaction.atomic
def copy_request(
    *,
    principal: Principal,
    code: str,
    kind: str,
    count: int,
    custodian: Person,
    location: Location,
    reason: str,
    form: str | None = None,
    title: str = "",
    consent: Consent | None = None,
) -> CopyRequest:
    """Ask to copy or extract ``code``; an approver decides (:func:`copy_decide`)."""
    if not principal.has_role("registrar"):
        raise ServiceError("forbidden", "Only a registrar asks for copies. 仅登记员可申请复制。")
    assert principal.person is not None  # noqa: S101 - has_role implies a person
    original = _original(code)
    if kind not in CopyKind.values:
        raise ServiceError("invalid", f"Unknown kind {kind!r}.", {"field": "kind"})
    if not 1 <= count <= MAX_COPIES:
        raise ServiceError("invalid", f"Copies: 1 to {MAX_COPIES}.", {"field": "count"})
    if form is not None and form not in Form.values:
        raise ServiceError("invalid", f"Unknown form {form!r}.", {"field": "form"})
    if not reason.strip():
        raise ServiceError(
            "invalid",
            "State why copies are needed. 请写明复制事由。",
            {"field": "reason"},
        )
    if kind == CopyKind.EXTRACT and not title.strip():
        raise ServiceError(
            "invalid",
            "An extract has its own title. 请填写摘录标题。",
            {"field": "title"},
        )
    if original.status not in _COPYABLE or original.declassified_on is not None:
        raise ServiceError(
            "invalid_transition",
            f"A {original.status} carrier cannot be copied. 该载体当前状态不能复制。",
            {"status": original.status},
        )
    _require_consent(original, consent)
    return CopyRequest.objects.create(
        original=original,
        kind=kind,
        count=count,
        title=title.strip(),
        form=form or original.form,
        custodian=custodian,
        location=location,
        reason=reason.strip(),
        requested_by=principal.person,
        requested_at=timezone.now(),
        consent_by=consent.by.strip() if consent else "",
        consent_on=consent.on if consent else None,
        consent_note=consent.note.strip() if consent else "",
    )


def _require_consent(original: Carrier, consent: Consent | None) -> None:
    if original.level != "top_secret":
        return
    if consent is None or not consent.by.strip():
        raise ServiceError(
            "invalid",
            "A top-secret carrier is copied only with the originator's consent on record."
            " 绝密载体复制须经原定密机关同意。",
            {"field": "consent", "reason": "consent_required"},
        )


@transaction.atomic
def copy_decide(
    *, principal: Principal, request_id: int, decision: str, opinion: str
) -> tuple[CopyRequest, list[Carrier]]:
    """Approve (make the copies) or reject a copy request.

    1. The approver holds the ``approver`` role and is not the requester.
    2. 绝密: the consent must be on record (checked again: the rule is the approval's).
    3. Each copy: the original's level, period, basis and scope (直接套用), parent = the
       original, copy numbers after the highest one used so far, registered at once with
       the ``register`` event of its own chain.
    """
    if not principal.has_role("approver"):
        raise ServiceError(
            "forbidden", "Only an approver decides on copies. 复制须经定密责任人批准。"
        )
    assert principal.person is not None  # noqa: S101
    if decision not in ("approve", "reject"):
        raise ServiceError("invalid", f"Unknown decision {decision!r}.", {"field": "decision"})
    if not opinion.strip():
        raise ServiceError(
            "invalid",
            "A decision states its opinion. 请填写意见。",
            {"field": "opinion"},
        )
    request = (
        CopyRequest.objects.select_for_update(of=("self",))
        .select_related("original", "custodian", "location", "requested_by")
        .filter(id=request_id)
        .first()
    )
    if request is None:
        raise ServiceError("not_found", f"There is no copy request {request_id}.")
    if request.state != CopyState.PENDING:
        raise ServiceError(
            "invalid_transition",
            f"This request is {request.state} already.",
            {"state": request.state},
        )
    if request.requested_by_id == principal.person.id:
        raise ServiceError(
            "forbidden",
            "The requester cannot approve their own copy request. 申请人不得批准本人的复制申请。",
            {"reason": "own_request"},
        )
    original = _original(request.original.code)
    request.state = CopyState.APPROVED if decision == "approve" else CopyState.REJECTED
    request.decided_by, request.decided_at = principal.person, timezone.now()
    request.opinion = opinion.strip()
    if decision == "reject":
        request.save()
        return request, []
    _require_consent(
        original,
        Consent(by=request.consent_by, on=request.consent_on) if request.consent_on else None,
    )
    if original.status not in _COPYABLE or original.declassified_on is not None:
        raise ServiceError(
            "invalid_transition",
            f"A {original.status} carrier cannot be copied.",
            {"status": original.status},
        )
    family = Carrier.objects.filter(parent=original).aggregate(n=Max("copy_no"))["n"]
    start = max(family or 0, original.copy_no or 0, original.copies_total or 1) + 1
    total = start + request.count - 1
    scope = list(original.scope.all())
    registrar = Principal(person=request.requested_by)
    made = []
    for n in range(start, total + 1):
        made.append(
            carrier_register(
                principal=registrar,
                title=request.title or original.title,
                form=request.form,
                level=original.level,
                period=original.period,
                basis=original.basis,
                custodian=request.custodian,
                location=request.location,
                copy_no=n,
                copies_total=total,
                scope=scope,
                parent=original,
                # 直接套用: the copy's period runs from the original's date of issue.
                issued_on=original.issued_on,
                draft=False,
            )
        )
    request.save()
    return request, made


@transaction.atomic
def compilation_propose(
    *,
    principal: Principal,
    parts: list[str],
    title: str,
    form: str,
    basis: str,
    custodian: Person,
    location: Location,
) -> Carrier:
    """A compilation (汇编) proposed as a draft with the highest level and longest period
    of its parts; it then goes through the same review and approval."""
    require_role(principal, "registrar", message="Only a registrar proposes a compilation.")
    if not parts:
        raise ServiceError("invalid", "A compilation names its parts.", {"field": "parts"})
    codes = [code_or_error(c, Kind.CARRIER, "parts") for c in parts]
    found = {c.code: c for c in Carrier.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ServiceError("unknown_code", f"Unknown carrier {missing[0]}.", {"code": missing[0]})
    unapproved = [c for c in codes if found[c].status in (Status.DRAFT, Status.REFERRED)]
    if unapproved:
        raise ServiceError(
            "invalid_transition",
            f"{unapproved[0]} is not classified yet. 组成部分尚未定密。",
            {"code": unapproved[0]},
        )
    level, period = compilation(
        (found[c].level, found[c].issued_on, found[c].period) for c in codes
    )
    carrier = carrier_register(
        principal=principal,
        title=title,
        form=form,
        level=level,
        period=period,
        basis=basis or "汇编：" + "、".join(codes),
        custodian=custodian,
        location=location,
        # A draft whose first round is a compilation's: reviewed and approved like any.
        round_kind=CaseKind.COMPILATION,
        round_reason="汇编：" + "、".join(codes),
    )
    return carrier


__all__ = ["Consent", "Period", "compilation_propose", "copy_decide", "copy_request"]
