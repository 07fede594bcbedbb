"""The scan rules: state × action → new state, the roles that may act and the guards
that must hold; what a scan must name (``needs``, for the desk) and the one judgement
(``decide``)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.custody.lifecycle import guards
from backend.custody.lifecycle.guards import (
    actor_receives,
    counterpart_receives,
    escort_for_top_secret,
    host_takes_this_medium,
    installed_in_a_device,
    location_given,
    moves_with_its_device,
    no_request_pending,
    receiver_on_receipt,
    request_pending_by_another,
    storage_out,
    storage_removed_or_on_site,
    two_witnesses,
    witness_is_eligible,
)
from backend.custody.lifecycle.terms import (
    ON_HAND,
    Action,
    CarrierView,
    Deadline,
    Move,
    Refusal,
    Rule,
    Transition,
)
from backend.registry.states import RANK, State

S = State
_NOT_DESTROYED = frozenset(State) - {S.DESTROYED, S.DRAFT}
_CUSTODY = frozenset({"clerk"})

_ALONE = moves_with_its_device
TABLE: dict[Action, Rule] = {
    Action.STORE: Rule(ON_HAND, S.IN_STORAGE, _CUSTODY, (_ALONE, location_given), Deadline.CLEAR),
    Action.CHECKOUT: Rule(
        ON_HAND, S.IN_USE, _CUSTODY, (_ALONE, counterpart_receives), Deadline.RETURN
    ),
    Action.RETURN: Rule(
        frozenset({S.IN_USE}), S.IN_STORAGE, _CUSTODY, (actor_receives,), Deadline.CLEAR
    ),
    Action.TRANSFER: Rule(
        ON_HAND,
        S.IN_STORAGE,
        _CUSTODY,
        (_ALONE, counterpart_receives, escort_for_top_secret),
        Deadline.CLEAR,
    ),
    Action.DISPATCH: Rule(
        ON_HAND, S.IN_TRANSIT, _CUSTODY, (_ALONE, escort_for_top_secret), Deadline.TRANSIT
    ),
    Action.RECEIVE: Rule(
        frozenset({S.IN_TRANSIT}), S.IN_STORAGE, _CUSTODY, (receiver_on_receipt,), Deadline.CLEAR
    ),
    Action.REPAIR_OUT: Rule(
        ON_HAND, S.IN_REPAIR, _CUSTODY, (_ALONE, storage_removed_or_on_site), Deadline.REPAIR
    ),
    Action.REPAIR_IN: Rule(
        frozenset({S.IN_REPAIR}), S.IN_STORAGE, _CUSTODY, (actor_receives,), Deadline.CLEAR
    ),
    Action.DESTROY_REQUEST: Rule(
        ON_HAND,
        None,
        frozenset({"clerk", "registrar", "approver"}),
        (_ALONE, storage_out, no_request_pending),
    ),
    Action.DESTROY_APPROVE: Rule(
        ON_HAND,
        S.PENDING_DESTRUCTION,
        frozenset({"approver"}),
        (request_pending_by_another,),
        Deadline.DESTRUCTION,
    ),
    Action.DESTROY_WITNESS: Rule(
        frozenset({S.PENDING_DESTRUCTION}),
        None,
        frozenset({"clerk", "witness"}),
        (witness_is_eligible,),
    ),
    Action.DESTROY: Rule(
        frozenset({S.PENDING_DESTRUCTION}), S.DESTROYED, _CUSTODY, (two_witnesses,), Deadline.CLEAR
    ),
    Action.INVENTORY: Rule(_NOT_DESTROYED, None, _CUSTODY),
    Action.REPORT_LOST: Rule(
        _NOT_DESTROYED - {S.LOST},
        S.LOST,
        frozenset({"clerk", "committee"}),
        (),
        Deadline.LOSS_REPORT,
    ),
    Action.FOUND: Rule(
        frozenset({S.LOST}),
        S.IN_STORAGE,
        _CUSTODY,
        (location_given, actor_receives),
        Deadline.CLEAR,
    ),
    # The medium leaves its device by a recorded scan; until then it moves with the device.
    Action.REMOVE_STORAGE: Rule(ON_HAND, None, _CUSTODY, (installed_in_a_device,)),
    Action.INSTALL_STORAGE: Rule(ON_HAND, None, _CUSTODY, (_ALONE, host_takes_this_medium)),
    # 外出携带: which request allows it (approved, naming the carrier, today within its
    # dates, the people cleared and two for 绝密) is the carry-out app's scan check
    # (backend/carryouts/scans.py), run before the lock; the row keeps the states.
    Action.CARRY_OUT: Rule(ON_HAND, S.OFF_SITE, _CUSTODY, (_ALONE,), Deadline.CARRY_OUT),
    # An installed medium went out with its device and comes back with it, never alone.
    Action.CARRY_IN: Rule(
        frozenset({S.OFF_SITE}), S.IN_STORAGE, _CUSTODY, (_ALONE, actor_receives), Deadline.CLEAR
    ),
}

# The moves of a device that its installed storage makes with it ("linked carriers that
# move with it unless removed by a recorded scan"): each appends the same action to every
# installed medium's own chain, judged by the medium's own row (ingest.py). Named one by
# one: a new row that moves a carrier joins only when its guards also hold for a medium
# judged alone. A sighting (inventory) is no move, and a device is put up for destruction
# only when empty (storage_out), so no step of that procedure is followed. A computer
# carried out takes its disks out of the unit too (carry_out / carry_in): the request that
# names the device covers the media installed in it (backend/carryouts, docs/carry-outs.md).
FOLLOWED = frozenset(
    {
        Action.STORE,
        Action.CHECKOUT,
        Action.RETURN,
        Action.TRANSFER,
        Action.DISPATCH,
        Action.RECEIVE,
        Action.REPAIR_OUT,
        Action.REPAIR_IN,
        Action.REPORT_LOST,
        Action.FOUND,
        Action.CARRY_OUT,
        Action.CARRY_IN,
    }
)


def follows(carrier: CarrierView, action: Action) -> bool:
    """Whether an installed medium in ``carrier``'s state goes along with its device's
    ``action``: one lost or destroyed on its own stays where it is."""
    return action in FOLLOWED and carrier.status in TABLE[action].sources


def is_allowed(status: State, action: Action) -> bool:
    """Whether the table admits ``action`` from ``status`` at all (before guards)."""
    return status in TABLE[action].sources


# --- what a scan must name: the desk reads this instead of restating the table ----------

# Deadlines the clerk states at the desk (a due time); the others the service computes.
_STATED_DEADLINES = frozenset({Deadline.RETURN, Deadline.TRANSIT, Deadline.REPAIR})


@dataclass(frozen=True, slots=True)
class Needs:
    """What a scan of one action names besides the carrier, read off the action's row."""

    receiver: str  # "required", "optional" (receive: counterpart or the actor) or "none"
    due: bool  # the scan carries a due time
    escort_levels: frozenset[str]  # the carrier levels for which a second person comes along
    sources: frozenset[State]  # the states the action starts from
    host: bool = False  # the scan names the device the carriers go into (install_storage)


def needs(action: Action) -> Needs:
    """What the row of ``action`` asks of a scan, derived from its guards and deadline."""
    rule = TABLE[action]
    if counterpart_receives in rule.guards:
        receiver = "required"
    elif receiver_on_receipt in rule.guards:
        receiver = "optional"
    else:
        receiver = "none"
    return Needs(
        receiver=receiver,
        due=rule.deadline in _STATED_DEADLINES,
        # Read from the guards' module at each call: the guard and the desk share one list.
        escort_levels=guards.ESCORT_LEVELS if escort_for_top_secret in rule.guards else frozenset(),
        sources=rule.sources,
        host=host_takes_this_medium in rule.guards,
    )


def custody_mismatch(carrier: CarrierView, move: Move) -> str | None:
    """Does this legal scan show reality differing from the ledger? Why, in one sentence."""
    if move.action is Action.INVENTORY:
        if carrier.status in {S.IN_TRANSIT, S.LOST}:
            return f"Sighted while the ledger has it {carrier.status}."
        if carrier.status in {S.IN_USE, S.IN_REPAIR}:
            holder = move.counterpart
            if holder is None or holder.code != carrier.custodian:
                return (
                    f"Sighted away from its custodian {carrier.custodian} while {carrier.status}."
                )
            return None
        if move.location is not None and move.location != carrier.location:
            return f"Sighted at {move.location}; the ledger has it at {carrier.location}."
        return None
    returner = move.counterpart
    if move.action is Action.RETURN and returner is not None and returner.code != carrier.custodian:
        return f"Returned by {returner.code}, not by its custodian {carrier.custodian}."
    return None


def decide(carrier: CarrierView, move: Move) -> Transition | Refusal:
    """Judge ``move`` against the carrier's current state.

    1. The actor must be active and hold one of the action's roles.
    2. The carrier's status must be one the action starts from.
    3. Every guard of the rule must pass (the first refusal is returned).
    4. The result: new status, custodian, location, deadline, destruction bookkeeping.
    """
    rule = TABLE[move.action]
    if not move.actor.active:
        return Refusal("forbidden", f"{move.actor.code} is not active.", {"reason": "inactive"})
    if not (move.actor.roles & rule.actor_roles):
        return Refusal(
            "forbidden",
            f"{move.action} needs one of the roles {', '.join(sorted(rule.actor_roles))}.",
            {"reason": "role_missing"},
        )
    if carrier.status not in rule.sources:
        return Refusal(
            "invalid_transition",
            f"Cannot {move.action} a carrier that is {carrier.status}.",
            {"status": str(carrier.status), "action": str(move.action)},
        )
    for guard in rule.guards:
        refusal = guard(carrier, move)
        if refusal is not None:
            return refusal
    return _apply(carrier, move, rule)


def _apply(carrier: CarrierView, move: Move, rule: Rule) -> Transition:
    custodian, location = carrier.custodian, carrier.location
    requested_by, approved_by = carrier.destroy_requested_by, carrier.destroy_approved_by
    witnesses, host = carrier.witnesses, carrier.host
    level = None
    a, counterpart = move.action, move.counterpart
    # The guards have already refused every action below that lacks its counterpart.
    if counterpart is not None and a in {Action.CHECKOUT, Action.TRANSFER, Action.RECEIVE}:
        custodian = counterpart.code
    elif a in {Action.RETURN, Action.RECEIVE, Action.FOUND}:
        custodian = move.actor.code
    if move.location is not None and a not in {Action.INVENTORY, Action.DISPATCH}:
        location = move.location
    if a is Action.DESTROY_REQUEST:
        requested_by = move.actor.code
    elif a is Action.DESTROY_APPROVE:
        approved_by = move.actor.code
    elif a is Action.DESTROY_WITNESS and counterpart is not None:
        witnesses = (*witnesses, counterpart.code)
    elif a is Action.FOUND:
        # A carrier that went missing restarts any destruction from the beginning.
        requested_by, approved_by, witnesses = None, None, ()
    elif a is Action.REMOVE_STORAGE:
        host = None
    elif a is Action.INSTALL_STORAGE and move.host is not None:
        host = move.host.code
        if RANK[move.host.level] > RANK[carrier.level]:
            level = move.host.level
    return Transition(
        status=rule.target or carrier.status,
        custodian=custodian,
        location=location,
        deadline=rule.deadline,
        destroy_requested_by=requested_by,
        destroy_approved_by=approved_by,
        witnesses=witnesses,
        mismatch=custody_mismatch(carrier, move),
        host=host,
        level=level,
    )
