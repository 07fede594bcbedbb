"""``custos-scan audit``: ask the server to prove every receipt this desk keeps.

A receipt is the ``seq`` and ``hash`` the server answered when it recorded a scan. The
server checks each (POST /api/v1/ledger/receipts/verify) and answers ``held`` only if its
ledger still records that event as it was; a receipt answered ``missing`` or ``changed``
means the history this desk saw recorded was erased or rewritten since.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from scanners.spool import Receipt

AUDIT_PATH = "/api/v1/ledger/receipts/verify"
BATCH = 5000


class AuditUnreachable(Exception):
    pass


class AuditRefused(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass(frozen=True, slots=True)
class NotHeld:
    id: str
    carrier: str
    seq: int
    status: str  # missing | changed
    reason: str


@dataclass(slots=True)
class AuditReport:
    checked: int = 0
    held: int = 0
    not_held: list[NotHeld] = field(default_factory=list)


def receipts_audit(
    receipts: Sequence[Receipt], *, server: str, token: str, client: httpx.Client | None = None
) -> AuditReport:
    """Send the receipts in batches; collect every one the server no longer holds."""
    own = client is None
    http = client or httpx.Client(timeout=httpx.Timeout(120.0, connect=5.0))
    url = server.rstrip("/") + AUDIT_PATH
    headers = {"Authorization": f"Bearer {token}"}
    report = AuditReport()
    try:
        for start in range(0, len(receipts), BATCH):
            batch = receipts[start : start + BATCH]
            body = {"receipts": [_receipt_in(r) for r in batch]}
            try:
                response = http.post(url, json=body, headers=headers)
            except httpx.TransportError as exc:
                raise AuditUnreachable(f"{type(exc).__name__}: {exc}") from None
            if response.status_code in (401, 403, 404, 405):
                raise AuditRefused(response.status_code)
            if response.status_code != 200:
                raise AuditUnreachable(f"HTTP {response.status_code}")
            try:
                results: list[dict[str, Any]] = response.json()["results"]
            except (ValueError, KeyError, TypeError):
                raise AuditUnreachable("unreadable answer from the server") from None
            if len(results) != len(batch):
                raise AuditUnreachable("the server's answer does not cover every receipt")
            for receipt, result in zip(batch, results, strict=True):
                report.checked += 1
                if result.get("status") == "held" and result.get("id") == receipt.id:
                    report.held += 1
                    continue
                report.not_held.append(
                    NotHeld(
                        id=receipt.id,
                        carrier=receipt.carrier,
                        seq=receipt.seq,
                        status=str(result.get("status") or "unknown"),
                        reason=str(result.get("reason") or ""),
                    )
                )
    finally:
        if own:
            http.close()
    return report


def _receipt_in(r: Receipt) -> dict[str, Any]:
    return {"id": r.id, "carrier": r.carrier, "seq": r.seq, "hash": r.hash}
