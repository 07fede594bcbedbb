"""The guards of the scan rules: each judges one condition of a move and answers a
``Refusal`` or None. A rule lists the guards it needs (rules.py)."""

from __future__ import annotations

from backend.custody.lifecycle.terms import (
    ON_HAND,
    CarrierView,
    Move,
    PersonView,
    Refusal,
)
from backend.registry.states import RANK


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
    if host.status not in ON_HAND:
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
