"""The 定密 procedure as rows of the same kind: a classification round × the carrier's
state → the round's and the carrier's new states and the ledger event (``judge``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from backend.custody.lifecycle.terms import Refusal, gettext_noop
from backend.registry.states import Round, State

S = State
# Sources: 国家秘密定密管理暂行规定 Art. 12-20 and CONTRACT.md "Classification steps". A
# round goes proposed → reviewed → approved / amended / rejected, or is referred upward
# (先行采取保密措施) and then decided naming the superior; a decision moves the carrier too.
# Who may decide (approver role, not the proposer, review and approval by two people, the
# authority ceiling) is the procedure's guard, in classification/services.py.


class Decision(StrEnum):
    REVIEW = "review"
    APPROVE = "approve"
    AMEND = "amend"
    REJECT = "reject"
    REFER = "refer"


@dataclass(frozen=True, slots=True)
class Ruling:
    rounds: frozenset[Round]  # the round states the decision is taken from
    round_to: Round
    sources: frozenset[State]  # the carrier states it may be taken in
    moves: Mapping[State, State]  # how it moves the carrier; a state not named stays
    event: str  # the ledger event it appends
    refusal: str  # what the approver reads when the round is elsewhere (%(state)s)
    reason: str | None = None  # the refusal's machine-readable reason, if any


@dataclass(frozen=True, slots=True)
class Verdict:
    round_to: Round
    status: State
    event: str


R = Round
_DECIDED_FROM = frozenset({R.REVIEWED, R.REFERRED})
_CLASSIFIED = {S.DRAFT: S.REGISTERED, S.REFERRED: S.REGISTERED}
_NOT_DECIDED = gettext_noop("The proposal must be reviewed before it is decided.")

CLASSIFICATION: dict[Decision, Ruling] = {
    Decision.REVIEW: Ruling(
        frozenset({R.PROPOSED}),
        R.REVIEWED,
        frozenset(State),
        {},
        "review",
        gettext_noop("This round is %(state)s, not awaiting review."),
    ),
    Decision.REFER: Ruling(
        frozenset({R.PROPOSED, R.REVIEWED}),
        R.REFERRED,
        frozenset(State),
        {S.DRAFT: S.REFERRED},
        "refer",
        gettext_noop("This round was referred already."),
    ),
    Decision.REJECT: Ruling(
        _DECIDED_FROM,
        R.REJECTED,
        frozenset(State),
        {S.REFERRED: S.DRAFT},  # not classified: back to the handler
        "reject",
        _NOT_DECIDED,
        "not_reviewed",
    ),
    Decision.APPROVE: Ruling(
        _DECIDED_FROM,
        R.APPROVED,
        frozenset(State),
        _CLASSIFIED,
        "classify",
        _NOT_DECIDED,
        "not_reviewed",
    ),
    Decision.AMEND: Ruling(
        _DECIDED_FROM,
        R.AMENDED,
        frozenset(State),
        _CLASSIFIED,
        "classify",
        _NOT_DECIDED,
        "not_reviewed",
    ),
}

# Which carrier states a new round of each kind may be proposed in: a first proposal (or a
# compilation's) only for a draft; a change or declassification only for a classified one.
PROPOSALS: dict[str, frozenset[State]] = {
    "initial": frozenset({S.DRAFT}),
    "compilation": frozenset({S.DRAFT}),
    "change": frozenset(State) - {S.DRAFT, S.REFERRED, S.DESTROYED},
    "declassify": frozenset(State) - {S.DRAFT, S.REFERRED, S.DESTROYED},
}


def may_propose(kind: str, status: State) -> bool:
    """Whether a round of ``kind`` may be opened for a carrier that is ``status``."""
    return status in PROPOSALS.get(kind, frozenset())


# The decisions that would declassify a carrier when the round is a declassification.
_DECLASSIFYING = frozenset({Decision.APPROVE, Decision.AMEND})


def medium_keeps_its_level(*, kind: str, medium: bool) -> Refusal | None:
    """A storage medium is never declassified: it is marked with the highest level it has
    held for the rest of its life and leaves custody only by destruction (the high-water
    rule, issue 15). Judged at the proposal and again at the decision."""
    if medium and kind == "declassify":
        return Refusal(
            "medium_declassify",
            gettext_noop(
                "A storage medium keeps the highest level it has held: it is not declassified "
                "but destroyed when no longer needed."
            ),
            {"reason": "high_water"},
        )
    return None


def judge(
    *, decision: Decision, round_state: Round, status: State, kind: str, medium: bool = False
) -> Verdict | Refusal:
    """Judge one 定密 decision against its round and its carrier, as :func:`decide` does a scan.

    1. The round must stand where the decision is taken from.
    2. The carrier's state must be one the decision may be taken in.
    3. A storage medium (``medium``) is never declassified.
    4. The result: the round's new state, the carrier's new state and the ledger event
       (approving a declassification round records ``declassify``).
    """
    ruling = CLASSIFICATION[decision]
    if round_state not in ruling.rounds:
        details = {"state": str(round_state)}
        if ruling.reason:
            details["reason"] = ruling.reason
        return Refusal("invalid_transition", ruling.refusal, details, {"state": str(round_state)})
    if status not in ruling.sources:
        return Refusal(
            "invalid_transition",
            gettext_noop("This 定密 step cannot be taken for a carrier that is %(status)s."),
            {"status": str(status), "action": str(decision)},
            {"status": str(status)},
        )
    if decision in _DECLASSIFYING:
        refused = medium_keeps_its_level(kind=kind, medium=medium)
        if refused is not None:
            return refused
    event = "declassify" if ruling.event == "classify" and kind == "declassify" else ruling.event
    return Verdict(round_to=ruling.round_to, status=ruling.moves.get(status, status), event=event)


def decisions_open(
    *, round_state: Round, status: State, kind: str, medium: bool = False
) -> tuple[Decision, ...]:
    """The decisions the table admits for a round, so a page offers no other (in row order)."""
    return tuple(
        d
        for d in CLASSIFICATION
        if isinstance(
            judge(decision=d, round_state=round_state, status=status, kind=kind, medium=medium),
            Verdict,
        )
    )
