"""Writes of the 定密 procedure: propose, review, approve / amend / reject / refer.

Sources: 国家秘密定密管理暂行规定 Art. 12-20 (the handler proposes, the classification
authority approves within their authority, a unit without the authority protects first
and refers upward), Reg Art. 17-24 (periods, changes, declassification). CONTRACT.md
"Classification steps": a ``review`` and then an ``approve`` by two different people
holding the ``approver`` role, neither of them the registrar who proposed it.

Every decision also appends an event to the carrier's ledger chain, so the decision
history is as tamper-evident as its custody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.classification.models import (
    OPEN_STATES,
    Case,
    CaseKind,
    CaseState,
    Step,
    StepKind,
)
from backend.classification.periods import period_end
from backend.custody.lifecycle import (
    Decision,
    Refusal,
    Verdict,
    judge,
    may_propose,
    medium_keeps_its_level,
)
from backend.custody.locks import carrier_lock
from backend.custody.models import CustodyEvent
from backend.custody.services import ledger_append
from backend.custody.transition import carrier_transition
from backend.errors import ServiceError
from backend.hooks import level_raised, send_required
from backend.registry.levels import LEVEL_ZH, RANK, Level
from backend.registry.marking import Period, marking
from backend.registry.media_services import is_medium, medium_level_check, medium_level_raise
from backend.registry.models import Carrier, Person
from backend.registry.principals import Principal
from backend.registry.selectors import code_or_error, person_by_code
from backend.registry.services import period_check
from backend.registry.states import Round, State
from backend.registry.texts import status_word
from labels.codes import Kind

DECISIONS = ("review", "approve", "amend", "reject", "refer")


@dataclass(frozen=True, slots=True)
class Changes:
    """What an ``amend`` decision or a change proposal sets; None leaves a field as it is."""

    level: str | None = None
    period: Period | None = None
    basis: str | None = None
    scope: list[str] | None = None  # badge codes

    def is_empty(self) -> bool:
        return (
            self.level is None
            and self.period is None
            and self.basis is None
            and (self.scope is None)
        )


# --- helpers ----------------------------------------------------------------------------


def _lock(code: str) -> Carrier:
    text = code_or_error(code, Kind.CARRIER, "code")
    carrier = carrier_lock(code=text)  # the one carrier lock: the row alone, FOR UPDATE
    if carrier is None:
        raise ServiceError(
            "unknown_code", _("No carrier has the code %(code)s.") % {"code": text}, {"code": text}
        )
    return carrier


def _person(principal: Principal) -> Person:
    if principal.person is None:
        raise ServiceError("forbidden", _("Only a person takes part in classification."))
    return principal.person


def ledger_note(
    *, carrier: Carrier, actor: Person, action: str, payload: dict[str, Any], now: datetime
) -> CustodyEvent:
    """Append a classification event to ``carrier``'s chain (the row is locked by the caller)."""
    return ledger_append(
        carrier=carrier,
        actor=actor,
        action=action,
        payload=payload,
        now=now,
        due_at=carrier.due_at,
    )


def _period_fields(period: Period) -> dict[str, Any]:
    return {
        "period_years": period.years,
        "period_months": period.months,
        "period_days": period.days,
        "period_until": period.until,
        "period_condition": period.condition or "",
    }


def _period_json(period: Period) -> dict[str, Any]:
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in {
            "years": period.years,
            "months": period.months,
            "days": period.days,
            "until": period.until,
            "condition": period.condition,
        }.items()
        if v
    }


def _open_case(carrier: Carrier) -> Case | None:
    return (
        # ``of=self``: PostgreSQL cannot lock the nullable side of the reviewer join.
        Case.objects.select_for_update(of=("self",))
        .filter(carrier=carrier, state__in=[s.value for s in OPEN_STATES])
        .select_related("proposed_by", "reviewed_by")
        .first()
    )


# --- propose ----------------------------------------------------------------------------


def proposal_open(
    *,
    carrier: Carrier,
    proposer: Person,
    kind: str = CaseKind.INITIAL,
    changes: Changes | None = None,
    reason: str = "",
) -> Case:
    """Record the proposal (拟定) of a new round; the carrier's row must be locked or new."""
    changes = changes or Changes()
    period = changes.period if changes.period is not None else carrier.period
    now = timezone.now()
    scope = (
        changes.scope if changes.scope is not None else sorted(p.code for p in carrier.scope.all())
    )
    try:
        with transaction.atomic():
            case = Case.objects.create(
                carrier=carrier,
                kind=kind,
                level=changes.level or carrier.level,
                **_period_fields(period),
                basis=changes.basis if changes.basis is not None else carrier.basis,
                scope=scope,
                proposed_by=proposer,
                proposed_at=now,
                reason=reason.strip(),
                old_marking=""
                if kind in (CaseKind.INITIAL, CaseKind.COMPILATION)
                else (carrier.marking),
            )
    except IntegrityError:
        raise ServiceError(
            "conflict",
            _("This carrier already has a classification round open."),
            {"carrier": carrier.code},
        ) from None
    Step.objects.create(
        case=case,
        step=StepKind.PROPOSE,
        actor=proposer,
        at=now,
        opinion=reason.strip(),
        values={
            "kind": kind,
            "level": case.level,
            "period": _period_json(period),
            "basis": case.basis,
            "scope": scope,
        },
    )
    return case


@transaction.atomic
def classification_propose(
    *, principal: Principal, code: str, kind: str, changes: Changes, reason: str
) -> Case:
    """A new round for an existing carrier: change of level or period, declassification,
    or a fresh proposal for a draft whose last proposal was rejected."""
    person = _person(principal)
    if not principal.has_role("registrar", "approver"):
        raise ServiceError("forbidden", _("Only a registrar or an approver proposes."))
    carrier = _lock(code)
    if kind not in (CaseKind.INITIAL, CaseKind.CHANGE, CaseKind.DECLASSIFY):
        raise ServiceError(
            "invalid", _("Unknown kind %(kind)s.") % {"kind": repr(kind)}, {"field": "kind"}
        )
    allowed = may_propose(kind, State(carrier.status))
    if not reason.strip():
        raise ServiceError("invalid", _("A proposal states its reason."), {"field": "reason"})
    if kind == CaseKind.INITIAL:
        if not allowed:
            raise ServiceError(
                "invalid_transition",
                _("Only a draft is proposed afresh."),
                {"status": carrier.status},
            )
    elif not allowed:
        raise ServiceError(
            "invalid_transition",
            _("A carrier in this state (%(status)s) cannot be changed or declassified.")
            % {"status": status_word(carrier.status)},
            {"status": carrier.status},
        )
    elif carrier.declassified_on is not None:
        raise ServiceError("invalid_transition", _("The carrier is declassified already."), {})
    kept = medium_keeps_its_level(kind=kind, medium=is_medium(carrier))
    if kept is not None:
        raise ServiceError(kept.code, _(kept.message), kept.details)
    if kind == CaseKind.CHANGE:
        if changes.is_empty():
            raise ServiceError("invalid", _("A change names what changes."), {"field": "level"})
        _check_changes(changes)
        if changes.level is not None:
            medium_level_check(carrier=carrier, level=changes.level)
    elif kind == CaseKind.DECLASSIFY:
        changes = Changes()
    else:
        _check_changes(changes)
    return proposal_open(
        carrier=carrier, proposer=person, kind=kind, changes=changes, reason=reason
    )


def _check_changes(changes: Changes) -> None:
    if changes.level is not None and changes.level not in Level.values:
        raise ServiceError(
            "invalid",
            _("Unknown level %(level)s.") % {"level": repr(changes.level)},
            {"field": "level"},
        )
    if changes.period is not None:
        period_check(changes.period)
    if changes.scope is not None:
        for c in changes.scope:
            person_by_code(c, "scope")


# --- decide -----------------------------------------------------------------------------


@transaction.atomic
def classification_decide(
    *,
    principal: Principal,
    code: str,
    decision: str,
    opinion: str,
    changes: Changes | None = None,
    superior: str = "",
) -> Carrier:
    """One step of the procedure on ``code``'s open round (CONTRACT.md decision endpoint).

    1. ``review`` (审核): a ``proposed`` round, by an approver who is not the proposer.
    2. ``approve`` / ``amend`` (批准): a ``reviewed`` round, by an approver who is neither
       the proposer nor the reviewer and whose authority ceiling (定密权限) covers the level
       decided; ``amend`` approves with the changed fields.
    3. ``reject``: ends the round; a first classification stays ``draft``.
    4. ``refer`` (先行采取保密措施并报请上级): the unit lacks the authority; the carrier is
       ``referred`` and protected as the proposed level until the superior's decision is
       recorded as ``approve`` / ``amend`` / ``reject`` naming the ``superior``.
    """
    person = _person(principal)
    changes = changes or Changes()
    opinion = opinion.strip()
    if decision not in DECISIONS:
        raise ServiceError(
            "invalid",
            _("Unknown decision %(decision)s.") % {"decision": repr(decision)},
            {"field": "decision", "allowed": DECISIONS},
        )
    if not principal.has_role("approver"):
        raise ServiceError(
            "forbidden",
            _("Only a classification authority decides."),
            {"reason": "role_missing", "roles": ["approver"]},
        )
    if not opinion:
        raise ServiceError("invalid", _("A decision states its opinion."), {"field": "opinion"})
    carrier = _lock(code)
    case = _open_case(carrier)
    if case is None:
        raise ServiceError(
            "invalid_transition",
            _("Nothing awaits a classification decision on this carrier."),
            {"status": carrier.status},
        )
    if case.proposed_by_id == person.id:
        raise ServiceError(
            "forbidden",
            _("The handler cannot review or approve their own proposal."),
            {"reason": "own_proposal"},
        )
    now = timezone.now()
    # Whether the round and the carrier admit this decision is the lifecycle's row; approve,
    # amend and reject alike come after 审核 by another person (docs/classification.md "Why
    # a rejection waits for the review").
    verdict = judge(
        decision=Decision(decision),
        round_state=Round(case.state),
        status=State(carrier.status),
        kind=case.kind,
        medium=is_medium(carrier),
    )
    if isinstance(verdict, Refusal):
        words = {"state": CaseState(case.state).label, "status": status_word(carrier.status)}
        raise ServiceError(verdict.code, _(verdict.message) % words, verdict.details)
    if decision == "review":
        return _review(carrier, case, person, opinion, now, verdict)
    if decision == "refer":
        return _refer(carrier, case, person, opinion, now, verdict)
    referred = case.state == CaseState.REFERRED
    if referred:
        superior = superior.strip()
        if not superior:
            raise ServiceError(
                "invalid",
                _("Record which superior authority decided."),
                {"field": "superior"},
            )
    elif case.reviewed_by_id == person.id:
        raise ServiceError(
            "forbidden",
            _("Review and approval are two different people."),
            {"reason": "reviewer_cannot_approve"},
        )
    if decision == "reject":
        return _reject(carrier, case, person, opinion, superior, now, verdict)
    if decision == "amend":
        if changes.is_empty():
            raise ServiceError(
                "invalid",
                _("An amendment names what it changes."),
                {"field": "level"},
            )
        _check_changes(changes)
    elif not changes.is_empty():
        raise ServiceError(
            "invalid",
            _("approve takes the proposal as it is; use amend to change it."),
            {"field": "decision"},
        )
    return _approve(
        carrier, case, person, opinion, changes, superior if referred else "", now, verdict
    )


def _step(
    case: Case, kind: str, person: Person, opinion: str, now: datetime, **values: Any
) -> None:
    Step.objects.create(case=case, step=kind, actor=person, at=now, opinion=opinion, values=values)


def _review(
    carrier: Carrier, case: Case, person: Person, opinion: str, now: datetime, verdict: Verdict
) -> Carrier:
    case.state, case.reviewed_by, case.reviewed_at = verdict.round_to, person, now
    case.review_opinion = opinion
    case.save(update_fields=["state", "reviewed_by", "reviewed_at", "review_opinion"])
    _step(case, StepKind.REVIEW, person, opinion, now)
    carrier_transition(
        carrier=carrier, actor=person, verdict=verdict, payload={"kind": case.kind}, now=now
    )
    return carrier


def _refer(
    carrier: Carrier, case: Case, person: Person, opinion: str, now: datetime, verdict: Verdict
) -> Carrier:
    case.state, case.referred_by, case.referred_at = verdict.round_to, person, now
    case.referral_opinion = opinion
    case.save(update_fields=["state", "referred_by", "referred_at", "referral_opinion"])
    _step(case, StepKind.REFER, person, opinion, now, level=case.level)
    # A referred draft is protected as the proposed level meanwhile: its row carries it.
    carrier_transition(
        carrier=carrier,
        actor=person,
        verdict=verdict,
        payload={"kind": case.kind, "level": case.level},
        now=now,
    )
    return carrier


def _reject(
    carrier: Carrier,
    case: Case,
    person: Person,
    opinion: str,
    superior: str,
    now: datetime,
    verdict: Verdict,
) -> Carrier:
    case.state, case.decided_by, case.decided_at = verdict.round_to, person, now
    case.decision_opinion, case.superior = opinion, superior
    case.save(update_fields=["state", "decided_by", "decided_at", "decision_opinion", "superior"])
    _step(case, StepKind.REJECT, person, opinion, now, superior=superior)
    carrier_transition(
        carrier=carrier, actor=person, verdict=verdict, payload={"kind": case.kind}, now=now
    )
    return carrier


def _approve(
    carrier: Carrier,
    case: Case,
    person: Person,
    opinion: str,
    changes: Changes,
    superior: str,
    now: datetime,
    verdict: Verdict,
) -> Carrier:
    level = changes.level or case.level
    period = changes.period if changes.period is not None else case.period
    basis = (changes.basis if changes.basis is not None else case.basis).strip()
    scope_codes = changes.scope if changes.scope is not None else list(case.scope)
    if case.kind == CaseKind.DECLASSIFY:
        level = carrier.level
    needed = max(level, carrier.level, key=lambda lvl: RANK[lvl])
    if not superior and RANK[person.authority or "none"] < RANK[needed]:
        # 定密权限: an authority decides up to their ceiling; above it, refer upward.
        raise ServiceError(
            "forbidden",
            _(
                "%(person)s's classification authority (%(authority)s) does not reach "
                "%(level)s: refer it upward."
            )
            % {
                "person": person.code,
                "authority": LEVEL_ZH.get(person.authority, "无"),
                "level": LEVEL_ZH[needed],
            },
            {
                "reason": "authority_ceiling",
                "authority": person.authority or "none",
                "level": needed,
            },
        )
    if case.kind != CaseKind.DECLASSIFY and not basis:
        raise ServiceError("invalid", _("A classification states its basis."), {"field": "basis"})
    amended = not changes.is_empty()
    case.state = verdict.round_to
    case.decided_by, case.decided_at, case.decision_opinion = person, now, opinion
    case.superior, case.final_level, case.final_basis = superior, level, basis
    today = timezone.localdate()
    fields: list[str] = []
    if case.kind == CaseKind.DECLASSIFY:
        carrier.declassified_on = today
        case.new_marking = "已解密"
        fields += ["declassified_on"]
    else:
        # The high-water rule: a medium never goes below the highest level it has held.
        medium_level_check(carrier=carrier, level=level)
        if medium_level_raise(carrier=carrier, level=level):
            send_required(level_raised, carrier=carrier, actor=person)
        carrier.level, carrier.basis = level, basis
        for name, value in _period_fields(period).items():
            setattr(carrier, name, value)
        carrier.period_ends_on = period_end(issued_on=carrier.issued_on, level=level, period=period)
        case.new_marking = marking(level, period)
        fields += ["level", "basis", "period_ends_on", *_period_fields(period)]
        carrier.scope.set([person_by_code(c, "scope") for c in scope_codes])
    case.save()
    _step(
        case,
        StepKind.AMEND if amended else StepKind.APPROVE,
        person,
        opinion,
        now,
        level=level,
        period=_period_json(period),
        basis=basis,
        scope=scope_codes,
        superior=superior,
        marking=case.new_marking,
    )
    carrier_transition(
        carrier=carrier,
        actor=person,
        verdict=verdict,
        payload={
            "kind": case.kind,
            "decision": "amend" if amended else "approve",
            "marking": case.new_marking,
            "old_marking": case.old_marking,
            **({"superior": superior} if superior else {}),
        },
        now=now,
        fields=fields,
    )
    return carrier
