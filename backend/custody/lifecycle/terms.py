"""The lifecycle's terms: the actions, the deadlines they start, the views of a carrier,
a person and a move that the rules judge, and the shapes of a rule and its answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from backend.registry.states import State


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


# The states in which a carrier is on hand in the unit's keeping: most moves start here.
ON_HAND = frozenset({State.REGISTERED, State.IN_STORAGE})
