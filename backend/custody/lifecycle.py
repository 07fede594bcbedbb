"""The carrier lifecycle: one pure transition table, state × action → new state + guards.

Nothing else in Custos decides whether a custody action is legal. The ingest service
builds the views below from the locked rows, calls :func:`decide`, and applies what it
returns. No Django, no database, no clock: every input is a value, so the whole table is
tested exhaustively (tests/custody/test_lifecycle.py).

Three readers besides ingest, none of which restates a row:
- :func:`needs` tells the handover desk what a scan must name (a receiver, a due time, an
  escort for which levels); the page gets it as JSON data (desk/views_desk.py).
- :data:`CLASSIFICATION` holds the 定密 decisions as rows (round × carrier state → new
  states and ledger event); :func:`judge` decides them and custody/transition.py applies
  the verdict with its event.
- :data:`PROPOSALS` says in which states a new 定密 round of each kind may open.
The states and the level rank come from backend/registry/states.py, also without Django.

Sources: DESIGN.md "Lifecycle", CONTRACT.md's minimum table, Reg Art. 29 (两人以上同行:
绝密 carriers travel with a second person), the destruction procedure (an approved request
and at least two distinct witnesses, none of them the requester).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from backend.registry.states import RANK, Round, State


class Action(StrEnum):
    STORE = "store"
    CHECKOUT = "checkout"
    RETURN = "return"
    TRANSFER = "transfer"
    DISPATCH = "dispatch"
    RECEIVE = "receive"
    REPAIR_OUT = "repair_out"
    REPAIR_IN = "repair_in"
    DESTROY_REQUEST = "destroy_request"
    DESTROY_APPROVE = "destroy_approve"
    DESTROY_WITNESS = "destroy_witness"
    DESTROY = "destroy"
    INVENTORY = "inventory"
    REPORT_LOST = "report_lost"
    FOUND = "found"
    # A storage medium taken out of the computer or device it was installed in.
    REMOVE_STORAGE = "remove_storage"
    # A storage medium put into a computer or device (the scan names the device as host).
    INSTALL_STORAGE = "install_storage"
    # 外出携带: out of the unit under an approved request, and back (backend/carryouts).
    CARRY_OUT = "carry_out"
    CARRY_IN = "carry_in"


class Deadline(StrEnum):
    """Which deadline an action starts; the service turns it into a time (deadlines.py)."""

    KEEP = "keep"
    CLEAR = "clear"
    RETURN = "return"
    TRANSIT = "transit"
    REPAIR = "repair"
    DESTRUCTION = "destruction"
    LOSS_REPORT = "loss_report"
    # The end of the carry-out request's last day; the request's scan check states it.
    CARRY_OUT = "carry_out"


@dataclass(frozen=True, slots=True)
class PersonView:
    code: str
    active: bool
    clearance: str
    roles: frozenset[str]


@dataclass(frozen=True, slots=True)
class CarrierView:
    code: str
    status: State
    level: str
    custodian: str
    location: str
    scope: frozenset[str] = frozenset()  # badge codes; empty means no knowledge scope
    destroy_requested_by: str | None = None
    destroy_approved_by: str | None = None
    witnesses: tuple[str, ...] = ()
    # Storage media and devices: the device this medium is installed in, and the codes of
    # the storage media installed in this device (both empty for anything else).
    host: str | None = None
    storage_inside: tuple[str, ...] = ()
    # The carrier is a storage medium that may sit in a device (a U盘, a disk, a disc…);
    # read only for the scans that install storage.
    is_storage: bool = False


@dataclass(frozen=True, slots=True)
class HostView:
    """The computer or device an ``install_storage`` scan puts a medium into."""

    code: str
    level: str
    status: State
    takes_storage: bool  # a registered computer, printer/copier or phone


@dataclass(frozen=True, slots=True)
class Move:
    action: Action
    actor: PersonView
    counterpart: PersonView | None = None
    escort: PersonView | None = None
    location: str | None = None
    # The repair is done on site under supervision (the scan says so): storage may stay in.
    on_site: bool = False
    # install_storage: the device the medium goes into.
    host: HostView | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str  # CONTRACT.md's stable error code
    message: str  # English; a template over ``params`` where it has any
    details: dict[str, str] = field(default_factory=dict)
    # The raw values for the ``%(name)s`` slots of ``message``: a caller with Django
    # translates the template and fills the slots with words of the reader's language.
    params: dict[str, str] = field(default_factory=dict)


def gettext_noop(message: str) -> str:
    """Marks a sentence for the catalogue (makemessages knows this name) without importing
    Django, which the lifecycle never does; the caller translates it."""
    return message


@dataclass(frozen=True, slots=True)
class Transition:
    status: State
    custodian: str
    location: str
    deadline: Deadline
    destroy_requested_by: str | None
    destroy_approved_by: str | None
    witnesses: tuple[str, ...]
    mismatch: str | None = None  # a custody gap this legal scan revealed
    host: str | None = None  # the device the medium is installed in after the move
    # The level the carrier rises to (a medium installed in a device of a higher level:
    # the high-water rule marks it with the highest level it has held).
    level: str | None = None


Guard = Callable[[CarrierView, Move], Refusal | None]


@dataclass(frozen=True, slots=True)
class Rule:
    sources: frozenset[State]
    target: State | None  # None: the status stays as it is
    actor_roles: frozenset[str]
    guards: tuple[Guard, ...] = ()
    deadline: Deadline = Deadline.KEEP


# --- guards -------------------------------------------------------------------------


def _receiver_checks(person: PersonView, carrier: CarrierView, *, scope: bool) -> Refusal | None:
    if not person.active:
        return Refusal(
            "forbidden",
            f"{person.code} is not active.",
            {"reason": "inactive", "person": person.code},
        )
    if RANK[person.clearance] < RANK[carrier.level]:
        return Refusal(
            "clearance_insufficient",
            f"{person.code}'s clearance ({person.clearance}) is below {carrier.level}.",
            {"person": person.code},
        )
    if scope and carrier.scope and person.code not in carrier.scope:
        return Refusal(
            "outside_scope",
            f"{person.code} is outside the carrier's knowledge scope.",
            {"person": person.code},
        )
    return None


def counterpart_receives(carrier: CarrierView, move: Move) -> Refusal | None:
    """The named receiver is active, cleared for the level and inside the scope."""
    if move.counterpart is None:
        return Refusal("invalid", f"{move.action} names the receiving person as counterpart.")
    return _receiver_checks(move.counterpart, carrier, scope=True)


def actor_receives(carrier: CarrierView, move: Move) -> Refusal | None:
    """The clerk taking the carrier back into custody must be cleared for its level.

    Knowledge scope is not applied here: a clerk holds the sealed carrier for the unit, the
    scope governs who reads it (checkout, transfer).
    """
    return _receiver_checks(move.actor, carrier, scope=False)


def receiver_on_receipt(carrier: CarrierView, move: Move) -> Refusal | None:
    if move.counterpart is not None:
        return _receiver_checks(move.counterpart, carrier, scope=True)
    return actor_receives(carrier, move)


# Reg Art. 29 (两人以上同行): the levels whose carriers move only with a second person.
ESCORT_LEVELS = frozenset({"top_secret"})


def escort_for_top_secret(carrier: CarrierView, move: Move) -> Refusal | None:
    """Reg Art. 29: 绝密 carriers are moved by two or more people together."""
    if carrier.level not in ESCORT_LEVELS:
        return None
    escort = move.escort
    if escort is None:
        return Refusal(
            "invalid_transition",
            "A top-secret carrier moves only with a second person accompanying it (escort).",
            {"reason": "escort_required"},
        )
    others = {move.actor.code} | ({move.counterpart.code} if move.counterpart else set())
    if escort.code in others:
        return Refusal(
            "invalid_transition",
            "The escort must be a second person, not the actor or the receiver.",
            {"reason": "escort_required"},
        )
    return _receiver_checks(escort, carrier, scope=False)


def location_given(carrier: CarrierView, move: Move) -> Refusal | None:
    if move.location is None:
        return Refusal("invalid", f"{move.action} needs the location it happens at.")
    return None


def no_request_pending(carrier: CarrierView, move: Move) -> Refusal | None:
    if carrier.destroy_requested_by is not None:
        return Refusal(
            "invalid_transition",
            "A destruction request is already pending for this carrier.",
            {"reason": "request_pending"},
        )
    return None


def request_pending_by_another(carrier: CarrierView, move: Move) -> Refusal | None:
    if carrier.destroy_requested_by is None:
        return Refusal(
            "invalid_transition",
            "There is no destruction request to approve.",
            {"reason": "no_request"},
        )
    if carrier.destroy_requested_by == move.actor.code:
        return Refusal(
            "invalid_transition",
            "The requester cannot approve their own destruction request.",
            {"reason": "approver_is_requester"},
        )
    return None


def witness_is_eligible(carrier: CarrierView, move: Move) -> Refusal | None:
    witness = move.counterpart
    if witness is None:
        return Refusal("invalid", "destroy_witness names the witness as counterpart.")
    if not witness.active or "witness" not in witness.roles:
        return Refusal(
            "forbidden", f"{witness.code} is not an active witness.", {"person": witness.code}
        )
    if witness.code == carrier.destroy_requested_by:
        return Refusal(
            "invalid_transition",
            "The person who requested the destruction cannot witness it.",
            {"reason": "witness_is_requester"},
        )
    if witness.code in carrier.witnesses:
        return Refusal(
            "invalid_transition",
            f"{witness.code} has already confirmed this destruction.",
            {"reason": "already_witnessed"},
        )
    return None


def two_witnesses(carrier: CarrierView, move: Move) -> Refusal | None:
    eligible = {w for w in carrier.witnesses if w != carrier.destroy_requested_by}
    if len(eligible) < 2:
        return Refusal(
            "invalid_transition",
            f"Destruction needs two distinct witnesses; {len(eligible)} confirmed.",
            {"reason": "witnesses_missing", "confirmed": str(len(eligible))},
        )
    return None


def storage_removed_or_on_site(carrier: CarrierView, move: Move) -> Refusal | None:
    """No device goes out for repair with storage inside, unless repaired on site under
    supervision (涉密计算机外送维修须拆除存储部件; 现场维修须全程监督)."""
    if carrier.storage_inside and not move.on_site:
        return Refusal(
            "storage_inside",
            "Remove the storage media (remove_storage scans) before an outside repair, "
            "or record the repair as on site and supervised.",
            {"storage": ",".join(carrier.storage_inside)},
        )
    return None


def storage_out(carrier: CarrierView, move: Move) -> Refusal | None:
    """A device is put up for destruction empty: its storage media are scrapped on their
    own, in a batch with a manifest (remove them first)."""
    if carrier.storage_inside:
        return Refusal(
            "storage_inside",
            "Remove the storage media (remove_storage scans) before the device is destroyed.",
            {"storage": ",".join(carrier.storage_inside)},
        )
    return None


def moves_with_its_device(carrier: CarrierView, move: Move) -> Refusal | None:
    """A storage medium installed in a computer or device goes where the device goes: it is
    not stored, handed over, sent, repaired, carried out or in, or put up for destruction on
    its own until a ``remove_storage`` scan takes it out."""
    if carrier.host is not None:
        return Refusal(
            "invalid_transition",
            f"{carrier.code} is installed in {carrier.host} and moves only with it; "
            "remove it first (remove_storage).",
            {"reason": "installed", "host": carrier.host},
        )
    return None


def host_takes_this_medium(carrier: CarrierView, move: Move) -> Refusal | None:
    """``install_storage``: a storage medium goes into a computer or device that is on hand,
    and never into one of a lower level than the medium has held (the high-water rule: a
    medium is never used again at a lower level; a higher host raises it)."""
    host = move.host
    if host is None:
        return Refusal("invalid", "install_storage names the device as host.", {"field": "host"})
    if not carrier.is_storage:
        return Refusal(
            "invalid_transition",
            f"{carrier.code} is not a storage medium that goes into a device.",
            {"reason": "not_storage"},
        )
    if not host.takes_storage:
        return Refusal(
            "invalid_transition",
            f"{host.code} is not a registered computer or device that takes storage.",
            {"reason": "host_not_device", "host": host.code},
        )
    if host.status not in _ON_HAND:
        return Refusal(
            "invalid_transition",
            f"{host.code} is {host.status}: storage is installed in a device on hand.",
            {"reason": "host_away", "host": host.code, "status": str(host.status)},
        )
    if RANK[carrier.level] > RANK[host.level]:
        return Refusal(
            "level_lowered",
            f"{carrier.code} has held {carrier.level} information; it is never used again "
            f"in a device of a lower level ({host.level}).",
            {"high_water": carrier.level, "level": host.level, "host": host.code},
        )
    return None


def installed_in_a_device(carrier: CarrierView, move: Move) -> Refusal | None:
    if carrier.host is None:
        return Refusal(
            "invalid_transition",
            "This medium is not installed in a device.",
            {"reason": "not_installed"},
        )
    return None


# --- the table ----------------------------------------------------------------------

S = State
_ON_HAND = frozenset({S.REGISTERED, S.IN_STORAGE})
_NOT_DESTROYED = frozenset(State) - {S.DESTROYED, S.DRAFT}
_CUSTODY = frozenset({"clerk"})

_ALONE = moves_with_its_device
TABLE: dict[Action, Rule] = {
    Action.STORE: Rule(_ON_HAND, S.IN_STORAGE, _CUSTODY, (_ALONE, location_given), Deadline.CLEAR),
    Action.CHECKOUT: Rule(
        _ON_HAND, S.IN_USE, _CUSTODY, (_ALONE, counterpart_receives), Deadline.RETURN
    ),
    Action.RETURN: Rule(
        frozenset({S.IN_USE}), S.IN_STORAGE, _CUSTODY, (actor_receives,), Deadline.CLEAR
    ),
    Action.TRANSFER: Rule(
        _ON_HAND,
        S.IN_STORAGE,
        _CUSTODY,
        (_ALONE, counterpart_receives, escort_for_top_secret),
        Deadline.CLEAR,
    ),
    Action.DISPATCH: Rule(
        _ON_HAND, S.IN_TRANSIT, _CUSTODY, (_ALONE, escort_for_top_secret), Deadline.TRANSIT
    ),
    Action.RECEIVE: Rule(
        frozenset({S.IN_TRANSIT}), S.IN_STORAGE, _CUSTODY, (receiver_on_receipt,), Deadline.CLEAR
    ),
    Action.REPAIR_OUT: Rule(
        _ON_HAND, S.IN_REPAIR, _CUSTODY, (_ALONE, storage_removed_or_on_site), Deadline.REPAIR
    ),
    Action.REPAIR_IN: Rule(
        frozenset({S.IN_REPAIR}), S.IN_STORAGE, _CUSTODY, (actor_receives,), Deadline.CLEAR
    ),
    Action.DESTROY_REQUEST: Rule(
        _ON_HAND,
        None,
        frozenset({"clerk", "registrar", "approver"}),
        (_ALONE, storage_out, no_request_pending),
    ),
    Action.DESTROY_APPROVE: Rule(
        _ON_HAND,
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
    Action.REMOVE_STORAGE: Rule(_ON_HAND, None, _CUSTODY, (installed_in_a_device,)),
    Action.INSTALL_STORAGE: Rule(_ON_HAND, None, _CUSTODY, (_ALONE, host_takes_this_medium)),
    # 外出携带: which request allows it (approved, naming the carrier, today within its
    # dates, the people cleared and two for 绝密) is the carry-out app's scan check
    # (backend/carryouts/scans.py), run before the lock; the row keeps the states.
    Action.CARRY_OUT: Rule(_ON_HAND, S.OFF_SITE, _CUSTODY, (_ALONE,), Deadline.CARRY_OUT),
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
        escort_levels=ESCORT_LEVELS if escort_for_top_secret in rule.guards else frozenset(),
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


# --- scanner devices: what each kind of place may record ------------------------------
# A device token acts only at its own location (services._check) and only with the actions
# that location's kind is for: a handover desk cannot record ``destroy`` or a witness's
# confirmation; a destruction site can. A person's own token is judged by roles alone.
_EVERYWHERE = frozenset({Action.INVENTORY, Action.REPORT_LOST, Action.FOUND})
DEVICE_ACTIONS: dict[str, frozenset[Action]] = {
    "desk": _EVERYWHERE
    | {
        Action.STORE,
        Action.CHECKOUT,
        Action.RETURN,
        Action.TRANSFER,
        Action.DISPATCH,
        Action.RECEIVE,
        Action.REPAIR_OUT,
        Action.REPAIR_IN,
        Action.DESTROY_REQUEST,
        Action.DESTROY_APPROVE,
        Action.REMOVE_STORAGE,
        Action.INSTALL_STORAGE,
        Action.CARRY_OUT,
        Action.CARRY_IN,
    },
    "safe": _EVERYWHERE | {Action.STORE, Action.CHECKOUT, Action.RETURN, Action.TRANSFER},
    "office": _EVERYWHERE | {Action.STORE, Action.CHECKOUT, Action.RETURN, Action.TRANSFER},
    "repair": _EVERYWHERE
    | {
        Action.RECEIVE,
        Action.DISPATCH,
        Action.REPAIR_OUT,
        Action.REPAIR_IN,
        Action.REMOVE_STORAGE,
        Action.INSTALL_STORAGE,
    },
    "destruction": _EVERYWHERE
    | {Action.RECEIVE, Action.STORE, Action.DESTROY_WITNESS, Action.DESTROY},
}


def device_may(*, location_kind: str, action: Action) -> Refusal | None:
    """None if a scanner device at a place of ``location_kind`` may record ``action``."""
    allowed = DEVICE_ACTIONS.get(location_kind, frozenset())
    if action in allowed:
        return None
    return Refusal(
        "forbidden",
        f"A scanner at a {location_kind} cannot record {action}. 该地点的扫描终端不能登记此操作。",
        {"reason": "device_location_kind", "location_kind": location_kind, "action": str(action)},
    )


# --- the 定密 procedure: the same kind of rows for a classification round ----------------
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
