"""backend/custody/lifecycle/: every state × action pair, and every guard."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.custody.lifecycle import (
    TABLE,
    Action,
    CarrierView,
    Deadline,
    Decision,
    HostView,
    Move,
    PersonView,
    Refusal,
    State,
    Transition,
    Verdict,
    decide,
    decisions_open,
    follows,
    judge,
    may_propose,
    needs,
)
from backend.registry.states import Round

A, S = Action, State
ROOT = Path(__file__).resolve().parents[2]
# A draft is not a carrier of the ledger yet; a referred one (先行采取保密措施) is protected
# as its proposed level: it may be sighted and reported lost, but not handed over or moved.
ALL_BUT_DESTROYED = {s for s in State if s not in {S.DESTROYED, S.DRAFT}}
ON_HAND = {S.REGISTERED, S.IN_STORAGE}
assert S.REFERRED in ALL_BUT_DESTROYED and S.REFERRED not in ON_HAND

# CONTRACT.md's lifecycle table, written out independently of the implementation.
EXPECTED: dict[Action, tuple[set[State], State | None]] = {
    A.STORE: (ON_HAND, S.IN_STORAGE),
    A.CHECKOUT: (ON_HAND, S.IN_USE),
    A.RETURN: ({S.IN_USE}, S.IN_STORAGE),
    A.TRANSFER: (ON_HAND, S.IN_STORAGE),
    A.DISPATCH: (ON_HAND, S.IN_TRANSIT),
    A.RECEIVE: ({S.IN_TRANSIT}, S.IN_STORAGE),
    A.REPAIR_OUT: (ON_HAND, S.IN_REPAIR),
    A.REPAIR_IN: ({S.IN_REPAIR}, S.IN_STORAGE),
    A.DESTROY_REQUEST: (ON_HAND, None),
    A.DESTROY_APPROVE: (ON_HAND, S.PENDING_DESTRUCTION),
    A.DESTROY_WITNESS: ({S.PENDING_DESTRUCTION}, None),
    A.DESTROY: ({S.PENDING_DESTRUCTION}, S.DESTROYED),
    A.INVENTORY: (ALL_BUT_DESTROYED, None),
    A.REPORT_LOST: (ALL_BUT_DESTROYED - {S.LOST}, S.LOST),
    A.FOUND: ({S.LOST}, S.IN_STORAGE),
    A.REMOVE_STORAGE: (ON_HAND, None),
    A.INSTALL_STORAGE: (ON_HAND, None),
    A.CARRY_OUT: (ON_HAND, S.OFF_SITE),
    A.CARRY_IN: ({S.OFF_SITE}, S.IN_STORAGE),
}


def person(
    code: str, roles: set[str], clearance: str = "top_secret", active: bool = True
) -> PersonView:
    return PersonView(code=code, active=active, clearance=clearance, roles=frozenset(roles))


EVERYONE = {"clerk", "approver", "witness", "registrar", "committee"}
ACTOR = person("P-ACTOR", EVERYONE)
OTHER = person("P-OTHER", {"witness"})
ESCORT = person("P-ESCORT", set())
REQUESTER = "P-REQ"


def carrier(status: State, **kw: object) -> CarrierView:
    base = CarrierView(
        code="C-1",
        status=status,
        level="secret",
        custodian="P-HOLDER",
        location="L-SAFE",
        destroy_requested_by=REQUESTER,
        witnesses=("P-W1", "P-W2"),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


PC = HostView(code="C-PC", level="secret", status=S.IN_STORAGE, takes_storage=True)


def good_move(action: Action) -> Move:
    """A move that satisfies every guard, so only the table decides."""
    return Move(
        action=action, actor=ACTOR, counterpart=OTHER, escort=ESCORT, location="L-DESK", host=PC
    )


def setup_for(action: Action, status: State) -> CarrierView:
    if action is A.DESTROY_REQUEST:
        return carrier(status, destroy_requested_by=None)
    if action is A.REMOVE_STORAGE:
        return carrier(status, host="C-PC")
    if action is A.INSTALL_STORAGE:
        return carrier(status, is_storage=True)
    return carrier(status)


@pytest.mark.parametrize("status", list(State))
@pytest.mark.parametrize("action", list(Action))
def test_every_state_and_action_pair_follows_the_contract(action: Action, status: State) -> None:
    sources, target = EXPECTED[action]
    result = decide(setup_for(action, status), good_move(action))
    if status in sources:
        assert isinstance(result, Transition), result
        assert result.status == (target or status)
    else:
        assert isinstance(result, Refusal)
        assert result.code == "invalid_transition"


def test_it_refuses_checkout_of_a_destroyed_carrier() -> None:
    result = decide(carrier(S.DESTROYED), good_move(A.CHECKOUT))
    assert isinstance(result, Refusal) and result.code == "invalid_transition"


@pytest.mark.parametrize("action", [A.CHECKOUT, A.TRANSFER])
def test_the_receiver_must_be_cleared_for_the_level(action: Action) -> None:
    low = person("P-LOW", set(), clearance="confidential")
    result = decide(carrier(S.IN_STORAGE), replace(good_move(action), counterpart=low))
    assert isinstance(result, Refusal) and result.code == "clearance_insufficient"


def test_the_receiver_must_be_inside_the_knowledge_scope() -> None:
    scoped = carrier(S.IN_STORAGE, scope=frozenset({"P-INSIDE"}))
    outside = decide(scoped, good_move(A.CHECKOUT))
    assert isinstance(outside, Refusal) and outside.code == "outside_scope"
    inside = decide(scoped, replace(good_move(A.CHECKOUT), counterpart=person("P-INSIDE", set())))
    assert isinstance(inside, Transition) and inside.custodian == "P-INSIDE"


def test_an_inactive_receiver_is_refused() -> None:
    gone = person("P-GONE", set(), active=False)
    result = decide(carrier(S.IN_STORAGE), replace(good_move(A.CHECKOUT), counterpart=gone))
    assert isinstance(result, Refusal) and result.code == "forbidden"


def test_an_actor_without_the_role_is_refused() -> None:
    reader = person("P-READER", set())
    result = decide(carrier(S.IN_STORAGE), replace(good_move(A.CHECKOUT), actor=reader))
    assert isinstance(result, Refusal) and result.code == "forbidden"


def test_only_an_approver_approves_a_destruction() -> None:
    clerk = person("P-CLERK", {"clerk"})
    result = decide(carrier(S.IN_STORAGE), replace(good_move(A.DESTROY_APPROVE), actor=clerk))
    assert isinstance(result, Refusal) and result.code == "forbidden"


def test_the_requester_cannot_approve_their_own_destruction() -> None:
    me = carrier(S.IN_STORAGE, destroy_requested_by="P-ACTOR")
    result = decide(me, good_move(A.DESTROY_APPROVE))
    assert isinstance(result, Refusal) and result.details["reason"] == "approver_is_requester"


def test_approval_needs_a_pending_request() -> None:
    result = decide(carrier(S.IN_STORAGE, destroy_requested_by=None), good_move(A.DESTROY_APPROVE))
    assert isinstance(result, Refusal) and result.details["reason"] == "no_request"


@pytest.mark.parametrize(
    ("witnesses", "allowed"),
    [((), False), (("P-W1",), False), (("P-W1", REQUESTER), False), (("P-W1", "P-W2"), True)],
)
def test_destruction_needs_two_distinct_witnesses_who_are_not_the_requester(
    witnesses: tuple[str, ...], allowed: bool
) -> None:
    result = decide(carrier(S.PENDING_DESTRUCTION, witnesses=witnesses), good_move(A.DESTROY))
    assert isinstance(result, Transition) is allowed


def test_the_requester_cannot_witness_and_no_one_witnesses_twice() -> None:
    pending = carrier(S.PENDING_DESTRUCTION, witnesses=("P-OTHER",))
    twice = decide(pending, good_move(A.DESTROY_WITNESS))
    assert isinstance(twice, Refusal) and twice.details["reason"] == "already_witnessed"
    requester = person(REQUESTER, {"witness"})
    own = decide(
        carrier(S.PENDING_DESTRUCTION, witnesses=()),
        replace(good_move(A.DESTROY_WITNESS), counterpart=requester),
    )
    assert isinstance(own, Refusal) and own.details["reason"] == "witness_is_requester"


def test_a_witness_must_hold_the_witness_role() -> None:
    plain = person("P-PLAIN", set())
    result = decide(
        carrier(S.PENDING_DESTRUCTION, witnesses=()),
        replace(good_move(A.DESTROY_WITNESS), counterpart=plain),
    )
    assert isinstance(result, Refusal) and result.code == "forbidden"


@pytest.mark.parametrize("action", [A.DISPATCH, A.TRANSFER])
def test_a_top_secret_carrier_moves_only_with_an_escort(action: Action) -> None:
    top = carrier(S.IN_STORAGE, level="top_secret")
    alone = decide(top, replace(good_move(action), escort=None))
    assert isinstance(alone, Refusal) and alone.details["reason"] == "escort_required"
    self_escort = decide(top, replace(good_move(action), escort=ACTOR))
    assert isinstance(self_escort, Refusal)
    escorted = decide(top, good_move(action))
    assert isinstance(escorted, Transition)
    secret = decide(carrier(S.IN_STORAGE), replace(good_move(action), escort=None))
    assert isinstance(secret, Transition)


def test_checkout_hands_custody_to_the_counterpart_and_starts_the_return_deadline() -> None:
    result = decide(carrier(S.IN_STORAGE), good_move(A.CHECKOUT))
    assert isinstance(result, Transition)
    assert (result.custodian, result.deadline) == ("P-OTHER", Deadline.RETURN)


def test_return_makes_the_actor_custodian_and_clears_the_deadline() -> None:
    result = decide(carrier(S.IN_USE), replace(good_move(A.RETURN), counterpart=None))
    assert isinstance(result, Transition)
    assert (result.custodian, result.deadline, result.mismatch) == ("P-ACTOR", Deadline.CLEAR, None)


def test_a_return_by_someone_other_than_the_custodian_is_recorded_as_a_mismatch() -> None:
    result = decide(carrier(S.IN_USE), good_move(A.RETURN))
    assert isinstance(result, Transition) and result.mismatch is not None


@pytest.mark.parametrize(
    ("status", "location", "holder", "mismatch"),
    [
        (S.IN_STORAGE, "L-SAFE", None, False),
        (S.IN_STORAGE, "L-ELSEWHERE", None, True),
        (S.IN_TRANSIT, "L-SAFE", None, True),
        (S.IN_USE, "L-DESK", "P-HOLDER", False),
        (S.IN_USE, "L-DESK", "P-OTHER", True),
        (S.LOST, "L-DESK", None, True),
    ],
)
def test_an_inventory_sighting_flags_custody_gaps(
    status: State, location: str, holder: str | None, mismatch: bool
) -> None:
    move = Move(
        action=A.INVENTORY,
        actor=ACTOR,
        counterpart=person(holder, set()) if holder else None,
        location=location,
    )
    result = decide(carrier(status), move)
    assert isinstance(result, Transition)
    assert (result.mismatch is not None) is mismatch


def test_found_restarts_a_destruction_from_the_beginning() -> None:
    result = decide(carrier(S.LOST), good_move(A.FOUND))
    assert isinstance(result, Transition)
    assert (result.destroy_requested_by, result.witnesses) == (None, ())


@given(
    statuses=st.lists(st.sampled_from(list(State)), min_size=1, max_size=1),
    actions=st.lists(st.sampled_from(list(Action)), min_size=1, max_size=40),
)
def test_no_sequence_of_actions_leaves_destroyed(
    statuses: list[State], actions: list[Action]
) -> None:
    view = setup_for(actions[0], statuses[0])
    for action in actions:
        result = decide(view, good_move(action))
        if isinstance(result, Transition):
            if view.status is S.DESTROYED:
                pytest.fail(f"{action} moved a destroyed carrier")
            view = replace(
                view,
                status=result.status,
                custodian=result.custodian,
                location=result.location,
                destroy_requested_by=result.destroy_requested_by,
                witnesses=result.witnesses,
            )


# --- what a scan needs: the desk's page data comes from here ---------------------------

# Written out from the rules (who receives, which deadline the clerk states, Reg Art. 29),
# independently of the guards the implementation reads them from.
NEEDS: dict[Action, tuple[str, bool, set[str]]] = {
    A.CHECKOUT: ("required", True, set()),
    A.RETURN: ("none", False, set()),
    A.TRANSFER: ("required", False, {"top_secret"}),
    A.DISPATCH: ("none", True, {"top_secret"}),
    A.RECEIVE: ("optional", False, set()),
    A.STORE: ("none", False, set()),
    A.REPAIR_OUT: ("none", True, set()),
    A.REPAIR_IN: ("none", False, set()),
    A.INVENTORY: ("none", False, set()),
}


@pytest.mark.parametrize("action", list(NEEDS))
def test_each_action_says_what_its_scan_needs(action: Action) -> None:
    got = needs(action)
    assert (got.receiver, got.due, set(got.escort_levels)) == NEEDS[action]
    assert got.sources == TABLE[action].sources


@pytest.mark.parametrize("action", [A.TRANSFER, A.DISPATCH])
def test_the_escort_levels_are_exactly_the_levels_the_escort_guard_refuses(
    action: Action,
) -> None:
    for level in ("confidential", "secret", "top_secret"):
        alone = Move(action=action, actor=ACTOR, counterpart=OTHER, location="L-DESK")
        refused = decide(carrier(S.IN_STORAGE, level=level), alone)
        asked = level in needs(action).escort_levels
        assert asked == (isinstance(refused, Refusal) and refused.code == "invalid_transition")


# --- the 定密 rows -----------------------------------------------------------------------

Rd, D = Round, Decision
# CONTRACT.md "Classification steps" and 定密管理暂行规定 Art. 12-20, written out: the round
# states each decision is taken from, the round state it leaves, and how it moves a draft,
# a referred carrier and a classified one.
DECISIONS: dict[Decision, tuple[set[Round], Round, dict[State, State]]] = {
    D.REVIEW: ({Rd.PROPOSED}, Rd.REVIEWED, {}),
    D.REFER: ({Rd.PROPOSED, Rd.REVIEWED}, Rd.REFERRED, {S.DRAFT: S.REFERRED}),
    D.REJECT: ({Rd.REVIEWED, Rd.REFERRED}, Rd.REJECTED, {S.REFERRED: S.DRAFT}),
    D.APPROVE: (
        {Rd.REVIEWED, Rd.REFERRED},
        Rd.APPROVED,
        {S.DRAFT: S.REGISTERED, S.REFERRED: S.REGISTERED},
    ),
    D.AMEND: (
        {Rd.REVIEWED, Rd.REFERRED},
        Rd.AMENDED,
        {S.DRAFT: S.REGISTERED, S.REFERRED: S.REGISTERED},
    ),
}


@pytest.mark.parametrize("decision", list(Decision))
@pytest.mark.parametrize("round_state", list(Round))
@pytest.mark.parametrize("status", list(State))
def test_every_decision_round_and_state_follows_the_procedure(
    decision: Decision, round_state: Round, status: State
) -> None:
    rounds, round_to, moves = DECISIONS[decision]
    got = judge(decision=decision, round_state=round_state, status=status, kind="initial")
    if round_state not in rounds:
        assert isinstance(got, Refusal) and got.code == "invalid_transition"
        return
    assert isinstance(got, Verdict)
    assert (got.round_to, got.status) == (round_to, moves.get(status, status))


def _event(decision: Decision, round_state: Round, kind: str) -> str:
    got = judge(decision=decision, round_state=round_state, status=S.IN_STORAGE, kind=kind)
    assert isinstance(got, Verdict)
    return got.event


def test_approving_a_declassification_records_declassify() -> None:
    assert _event(D.APPROVE, Rd.REVIEWED, "declassify") == "declassify"
    assert _event(D.AMEND, Rd.REFERRED, "change") == "classify"
    assert _event(D.REVIEW, Rd.PROPOSED, "declassify") == "review"


def test_the_lifecycle_and_its_vocabulary_load_without_django() -> None:
    code = (
        "import sys, backend.custody.lifecycle, backend.registry.states; "
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django loaded'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize("status", list(State))
def test_a_round_is_proposed_only_where_its_kind_applies(status: State) -> None:
    classified = status not in {S.DRAFT, S.REFERRED, S.DESTROYED}
    assert may_propose("initial", status) == (status is S.DRAFT)
    assert may_propose("compilation", status) == (status is S.DRAFT)
    assert may_propose("change", status) == classified
    assert may_propose("declassify", status) == classified
    assert not may_propose("unknown", status)


def test_a_page_is_offered_exactly_the_decisions_a_round_admits() -> None:
    def offered(round_state: Round) -> set[Decision]:
        return set(decisions_open(round_state=round_state, status=S.DRAFT, kind="initial"))

    assert offered(Rd.PROPOSED) == {D.REVIEW, D.REFER}  # no 不予批准 before review
    assert offered(Rd.REVIEWED) == {D.APPROVE, D.AMEND, D.REJECT, D.REFER}
    assert offered(Rd.REFERRED) == {D.APPROVE, D.AMEND, D.REJECT}
    assert offered(Rd.APPROVED) == offered(Rd.REJECTED) == set()


def test_a_device_with_storage_inside_is_not_sent_out_for_repair() -> None:
    pc = carrier(S.IN_STORAGE, storage_inside=("C-DISK1", "C-DISK2"))
    refused = decide(pc, good_move(A.REPAIR_OUT))
    assert isinstance(refused, Refusal) and refused.code == "storage_inside"
    assert refused.details["storage"] == "C-DISK1,C-DISK2"
    on_site = replace(good_move(A.REPAIR_OUT), on_site=True)
    assert isinstance(decide(pc, on_site), Transition)
    assert isinstance(decide(replace(pc, storage_inside=()), good_move(A.REPAIR_OUT)), Transition)


def test_remove_storage_takes_a_medium_out_of_its_device_and_nothing_else() -> None:
    removed = decide(carrier(S.IN_STORAGE, host="C-PC"), good_move(A.REMOVE_STORAGE))
    assert isinstance(removed, Transition) and removed.host is None
    assert removed.status == S.IN_STORAGE
    loose = decide(carrier(S.IN_STORAGE), good_move(A.REMOVE_STORAGE))
    assert isinstance(loose, Refusal) and loose.details["reason"] == "not_installed"
    # A sighting keeps a medium in its device; a move of its own is refused: it goes
    # where its device goes until a remove_storage scan takes it out.
    kept = decide(carrier(S.IN_STORAGE, host="C-PC"), good_move(A.INVENTORY))
    assert isinstance(kept, Transition) and kept.host == "C-PC"


@pytest.mark.parametrize(
    "action",
    [
        A.STORE,
        A.CHECKOUT,
        A.TRANSFER,
        A.DISPATCH,
        A.REPAIR_OUT,
        A.DESTROY_REQUEST,
        A.CARRY_OUT,
        A.CARRY_IN,
    ],
)
def test_an_installed_medium_moves_only_with_its_device(action: Action) -> None:
    status = S.OFF_SITE if action is A.CARRY_IN else S.IN_STORAGE
    installed = carrier(status, host="C-PC", destroy_requested_by=None)
    refused = decide(installed, good_move(action))
    assert isinstance(refused, Refusal) and refused.details["reason"] == "installed"
    assert isinstance(decide(replace(installed, host=None), good_move(action)), Transition)


def _install(medium: CarrierView, host: HostView) -> Transition | Refusal:
    return decide(medium, replace(good_move(A.INSTALL_STORAGE), host=host))


def test_install_storage_puts_a_loose_medium_into_a_device_on_hand() -> None:
    disk = carrier(S.IN_STORAGE, is_storage=True)
    done = _install(disk, PC)
    assert isinstance(done, Transition)
    assert (done.host, done.level, done.status) == ("C-PC", None, S.IN_STORAGE)
    assert isinstance(_install(disk, replace(PC, status=S.REGISTERED)), Transition)


def test_install_storage_refuses_what_does_not_fit() -> None:
    disk = carrier(S.IN_STORAGE, is_storage=True)

    def reason(medium: CarrierView, host: HostView | None) -> str:
        got = decide(medium, replace(good_move(A.INSTALL_STORAGE), host=host))
        assert isinstance(got, Refusal), got
        return got.details.get("reason") or got.code

    assert reason(replace(disk, host="C-OTHER"), PC) == "installed"  # elsewhere already
    assert reason(replace(disk, is_storage=False), PC) == "not_storage"  # a computer, say
    assert reason(disk, replace(PC, takes_storage=False)) == "host_not_device"
    assert reason(disk, replace(PC, status=S.IN_USE)) == "host_away"
    assert reason(disk, None) == "invalid"


def test_a_medium_is_never_installed_lower_and_rises_to_a_higher_device() -> None:
    """The high-water rule: a secret disk never goes into a confidential computer; a
    confidential disk put into a secret one holds secret from then on."""
    secret_disk = carrier(S.IN_STORAGE, is_storage=True, level="secret")
    low = _install(secret_disk, replace(PC, level="confidential"))
    assert isinstance(low, Refusal) and low.code == "level_lowered"
    assert low.details == {"high_water": "secret", "level": "confidential", "host": "C-PC"}
    raised = _install(replace(secret_disk, level="confidential"), PC)
    assert isinstance(raised, Transition) and raised.level == "secret"
    same = _install(secret_disk, replace(PC, level="secret"))
    assert isinstance(same, Transition) and same.level is None


def test_installed_media_follow_the_moves_of_their_device_not_sightings() -> None:
    for action in (A.STORE, A.CHECKOUT, A.TRANSFER, A.DISPATCH, A.REPAIR_OUT, A.REPORT_LOST):
        assert follows(carrier(S.IN_STORAGE), action)
    assert follows(carrier(S.IN_USE), A.RETURN) and follows(carrier(S.LOST), A.FOUND)
    # A computer carried out of the unit takes its disks out and back in with it.
    assert follows(carrier(S.IN_STORAGE), A.CARRY_OUT)
    assert follows(carrier(S.OFF_SITE), A.CARRY_IN)
    assert not follows(carrier(S.LOST), A.CARRY_IN)
    assert not follows(carrier(S.IN_STORAGE), A.INVENTORY)
    assert not follows(carrier(S.IN_STORAGE), A.DESTROY_REQUEST)
    # One lost on its own stays lost while its device comes back from use.
    assert not follows(carrier(S.LOST), A.RETURN)


def test_a_device_is_put_up_for_destruction_only_empty() -> None:
    pc = carrier(S.IN_STORAGE, storage_inside=("C-DISK1",), destroy_requested_by=None)
    refused = decide(pc, good_move(A.DESTROY_REQUEST))
    assert isinstance(refused, Refusal) and refused.code == "storage_inside"
    assert isinstance(
        decide(replace(pc, storage_inside=()), good_move(A.DESTROY_REQUEST)), Transition
    )


@pytest.mark.parametrize("decision", [D.APPROVE, D.AMEND])
def test_a_medium_is_never_declassified(decision: Decision) -> None:
    kept = judge(
        decision=decision,
        round_state=Rd.REVIEWED,
        status=S.IN_STORAGE,
        kind="declassify",
        medium=True,
    )
    assert isinstance(kept, Refusal) and kept.code == "medium_declassify"
    # Its level may still change upward (a change round), and anything else declassifies.
    for kind, medium in (("change", True), ("declassify", False)):
        got = judge(
            decision=decision,
            round_state=Rd.REVIEWED,
            status=S.IN_STORAGE,
            kind=kind,
            medium=medium,
        )
        assert isinstance(got, Verdict)
    assert D.APPROVE not in decisions_open(
        round_state=Rd.REVIEWED, status=S.IN_STORAGE, kind="declassify", medium=True
    )
    assert D.REJECT in decisions_open(
        round_state=Rd.REVIEWED, status=S.IN_STORAGE, kind="declassify", medium=True
    )


def test_carry_out_keeps_the_custodian_and_starts_the_carry_out_deadline() -> None:
    result = decide(carrier(S.IN_STORAGE), replace(good_move(A.CARRY_OUT), counterpart=None))
    assert isinstance(result, Transition)
    assert (result.status, result.custodian, result.deadline) == (
        S.OFF_SITE,
        "P-HOLDER",
        Deadline.CARRY_OUT,
    )
    back = decide(carrier(S.OFF_SITE), good_move(A.CARRY_IN))
    assert isinstance(back, Transition) and back.deadline is Deadline.CLEAR


def test_a_clerk_below_the_level_cannot_take_a_carrier_back_in() -> None:
    low = person("P-LOW", {"clerk"}, clearance="confidential")
    result = decide(carrier(S.OFF_SITE), replace(good_move(A.CARRY_IN), actor=low))
    assert isinstance(result, Refusal) and result.code == "clearance_insufficient"
