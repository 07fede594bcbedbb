"""The hash chain: canonical bytes of an event and the link over them.

``hash = H(prev_hash ‖ canonical bytes)``, where ``H`` is the ledger's hash: SHA-256, or
SM3 for a unit held to 国密 algorithms (fixed when the ledger is created,
backend/custody/algorithm.py). The canonical form is JSON with sorted
keys, no whitespace, UTF-8, and timestamps as UTC with microseconds, so an auditor can
recompute it from the table with any language. Changing this encoding breaks every chain
already written: extend the payload instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def _sm3(data: bytes) -> Any:
    return hashlib.new("sm3", data)


# The ledger's hashes by name (both give 64 hex digits, so GENESIS and the columns fit
# either); a machine without SM3 fails only when it is used, and the startup checks
# refuse to run such a ledger there (backend/custody/startup.py).
DIGESTS: dict[str, Callable[[bytes], Any]] = {"sha256": hashlib.sha256, "sm3": _sm3}


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# What json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes; one
# encoder for every event, since json.dumps with options builds a new one per call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    return _CANONICAL.encode(fields).encode()


def link(prev_hash: str, fields: dict[str, Any], hash_name: str) -> str:
    """The event's hash: ``hash_name`` over the previous hash and the canonical bytes."""
    return DIGESTS[hash_name](prev_hash.encode("ascii") + canonical_bytes(fields)).hexdigest()


def event_fields(
    *,
    id: str,
    carrier: str,
    seq: int,
    action: str,
    actor: str,
    counterpart: str | None,
    escort: str | None,
    location: str | None,
    device: str | None,
    occurred_at: datetime,
    recorded_at: datetime,
    due_at: datetime | None,
    late: bool,
    payload: dict[str, Any],
) -> dict[str, Any]:
    """Everything an event records, as the plain values the hash covers."""
    return {
        "id": id,
        "carrier": carrier,
        "seq": seq,
        "action": action,
        "actor": actor,
        "counterpart": counterpart,
        "escort": escort,
        "location": location,
        "device": device,
        "occurred_at": timestamp(occurred_at),
        "recorded_at": timestamp(recorded_at),
        "due_at": timestamp(due_at),
        "late": late,
        "payload": payload,
    }
