"""The hash chain: canonical bytes of an event and the SHA-256 link over them.

``hash = SHA-256(prev_hash ‖ canonical bytes)``. The canonical form is JSON with sorted
keys, no whitespace, UTF-8, and timestamps as UTC with microseconds, so an auditor can
recompute it from the table with any language. Changing this encoding breaks every chain
already written: extend the payload instead.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_bytes(fields)).hexdigest()


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
