"""What a scanner device may record at each kind of place."""

from __future__ import annotations

from backend.custody.lifecycle.terms import Action, Refusal

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
