"""Scans, a carrier's events and the ledger check over HTTP: custody's router (mounted by
backend.api.main), built on the kernel's schemas and the registry's principal."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import NinjaJSONEncoder

from backend.custody import selectors, services
from backend.custody.models import CustodyEvent
from backend.custody.receipts import Receipt, receipts_verify
from backend.custody.statements import statement_of
from backend.custody.verify import ledger_verify
from backend.errors import ServiceError
from backend.registry.duties import auditor_reads
from backend.registry.principals import principal_of
from backend.schemas import EventOut, ScanBatchIn, ScanBatchOut, VerifyOut, error_responses

router = Router(tags=["custody"])

_ERRORS = error_responses(401, 403, 404, 422)


def event_out(event: CustodyEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "carrier": event.carrier.code,
        "seq": event.seq,
        "action": event.action,
        "actor": event.actor.code,
        "counterpart": event.counterpart.code if event.counterpart else None,
        "escort": event.escort.code if event.escort else None,
        "location": event.location.code if event.location else None,
        "device": event.device.name if event.device else None,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
        "due_at": event.due_at,
        "late": event.late,
        "payload": event.payload,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def result_out(r: services.ScanResult) -> dict[str, Any]:
    """One scan's answer; ``seq`` and ``hash`` are its receipt (CONTRACT.md)."""
    return {
        "id": r.id,
        "status": r.status,
        "error": r.error.as_dict() if r.error else None,
        "event": event_out(r.event) if r.event else None,
        "seq": r.event.seq if r.event else None,
        "hash": r.event.hash if r.event else None,
    }


@router.post("/scans", response={200: ScanBatchOut, **_ERRORS})
def post_scans(request: HttpRequest, body: ScanBatchIn) -> HttpResponse:
    principal = principal_of(request)
    if principal.person is None and principal.device is None:
        raise ServiceError("forbidden", "Only people and scanner devices record scans.")
    results = services.scans_ingest(
        principal=principal,
        scans=[services.ScanIn(**scan.dict()) for scan in body.scans],
    )
    answer = {"results": [result_out(r) for r in results]}
    # Built from the same dicts the schema describes, serialised directly: validating 500
    # events back through the output schema cost a third of a batch's time.
    return HttpResponse(
        json.dumps(answer, cls=NinjaJSONEncoder, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )


@router.get("/carriers/{code}/events", response={200: list[EventOut], **_ERRORS})
def list_events(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    events = selectors.carrier_events(principal=principal_of(request), code=code)
    return [event_out(e) for e in events]


@router.get("/ledger/verify", response={200: VerifyOut, **_ERRORS})
def verify(request: HttpRequest) -> dict[str, Any]:
    principal = principal_of(request)
    if not principal.has_role("committee", "admin", "auditor"):
        raise ServiceError(
            "forbidden", "Only the committee, administrators and auditors verify the ledger."
        )
    auditor_reads(principal=principal, what="verify")
    report = ledger_verify()
    return {
        "ok": report.ok,
        "carriers": report.carriers,
        "events": report.events,
        "broken": [{"carrier": b.carrier, "seq": b.seq, "reason": b.reason} for b in report.broken],
    }


class StatementOut(Schema):
    """A signed checkpoint statement (docs/checkpoints.md)."""

    id: int
    unit: str
    at: str
    carriers: int
    events: int
    root: str
    prev: str
    algorithm: str
    hash: str
    key: str
    signature: str
    format: str
    fingerprint: str
    text: str


def _statement(request: HttpRequest, checkpoint_id: int | None) -> dict[str, Any]:
    principal = principal_of(request)
    if not principal.has_role("committee", "auditor"):
        raise ServiceError("forbidden", "Only the committee and auditors read checkpoints.")
    statement = statement_of(checkpoint_id)
    auditor_reads(principal=principal, what="checkpoint", detail=f"#{statement.id}")
    return statement.as_dict()


@router.get("/ledger/checkpoints/latest", response={200: StatementOut, **_ERRORS})
def checkpoint_latest(request: HttpRequest) -> dict[str, Any]:
    return _statement(request, None)


@router.get("/ledger/checkpoints/{checkpoint_id}", response={200: StatementOut, **_ERRORS})
def checkpoint_get(request: HttpRequest, checkpoint_id: int) -> dict[str, Any]:
    return _statement(request, checkpoint_id)


class ReceiptIn(Schema):
    id: str = Field(max_length=64, description="the scan's id (the event's id)")
    carrier: str = Field(max_length=64)
    seq: int = Field(ge=1, le=2**31 - 1)
    hash: str = Field(max_length=128)


class ReceiptsIn(Schema):
    receipts: list[ReceiptIn] = Field(min_length=1, max_length=10000)


class ReceiptCheckOut(Schema):
    id: str
    carrier: str
    seq: int
    status: str = Field(description="`held`, `missing` (the event is gone) or `changed`")
    reason: str | None = None


class ReceiptsOut(Schema):
    results: list[ReceiptCheckOut]
    held: int
    missing: int
    changed: int


@router.post("/ledger/receipts/verify", response={200: ReceiptsOut, **_ERRORS})
def receipts_check(request: HttpRequest, body: ReceiptsIn) -> dict[str, Any]:
    """Prove a desk's receipts: each answers `held` only if the ledger still records that
    event, at that seq, with that hash, on a chain that verifies. Any token may ask: the
    answer tells nothing the receipt's holder does not already know."""
    auditor_reads(
        principal=principal_of(request), what="receipts", detail=f"{len(body.receipts)} receipts"
    )
    checks = receipts_verify(
        receipts=[
            Receipt(id=r.id.strip(), carrier=r.carrier.strip().upper(), seq=r.seq, hash=r.hash)
            for r in body.receipts
        ]
    )
    counts = {status: 0 for status in ("held", "missing", "changed")}
    for c in checks:
        counts[c.status] += 1
    return {"results": [_check_out(c) for c in checks], **counts}


def _check_out(c: Any) -> dict[str, Any]:
    return {"id": c.id, "carrier": c.carrier, "seq": c.seq, "status": c.status, "reason": c.reason}
