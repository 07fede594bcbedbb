"""Scrapping media in batches: collect, list on a manifest, close with a receipt and witnesses.

The destruction itself stays the ledger's (Reg Art. 28): every carrier in a batch was
requested and approved one by one (``destroy_request``, ``destroy_approve``), and closing
the batch records, for each, the two witnesses' ``destroy_witness`` scans and the
``destroy`` through the same ingest as a desk, in one transaction. The lifecycle table
judges each of those scans; a batch adds only what is the batch's own: the destruction
body, its receipt, and the refusal to close without two witnesses.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.custody.services import ScanIn, scans_ingest
from backend.errors import ServiceError
from backend.registers.models import DestructionBatch
from backend.registers.selectors import Filters, Register
from backend.registry.levels import LEVEL_ZH
from backend.registry.media import MediumKind
from backend.registry.models import Carrier, Location
from backend.registry.principals import Principal, require_role
from backend.registry.selectors import code_or_error, person_by_code
from backend.registry.states import State
from labels.codes import Kind

# Idempotency: a close retried after a lost answer sends the same scan ids, so the ledger
# answers ``duplicate`` instead of recording the witnesses twice.
_IDS = uuid.UUID("6d1f3c52-2a7e-4f4e-9a39-0c6f2b1d7e15")


def _clerk(principal: Principal) -> None:
    require_role(principal, "clerk", message=_("Only a clerk keeps the destruction batches."))


def _batch(batch_id: int, *, lock: bool = False) -> DestructionBatch:
    qs = DestructionBatch.objects.select_for_update() if lock else DestructionBatch.objects
    batch = qs.filter(pk=batch_id).first()
    if batch is None:
        raise ServiceError(
            "not_found", _("No destruction batch %(id)s.") % {"id": batch_id}, {"id": batch_id}
        )
    return batch


def _open_or_refuse(batch: DestructionBatch) -> None:
    if batch.closed_at is not None:
        raise ServiceError(
            "invalid_transition",
            _("This destruction batch is closed."),
            {"reason": "batch_closed", "id": batch.pk},
        )


@transaction.atomic
def batch_open(*, principal: Principal, body: str, location: Location) -> DestructionBatch:
    """A new batch for the destruction body ``body``, collected at ``location``."""
    _clerk(principal)
    if not body.strip():
        raise ServiceError("invalid", _("Name the destruction body."), {"field": "body"})
    assert principal.person is not None  # noqa: S101 - require_role guarantees a person
    return DestructionBatch.objects.create(
        body=body.strip(), location=location, opened_by=principal.person
    )


@transaction.atomic
def batch_add(*, principal: Principal, batch_id: int, codes: list[str]) -> DestructionBatch:
    """Add approved carriers (``pending_destruction``) to an open batch."""
    _clerk(principal)
    batch = _batch(batch_id, lock=True)
    _open_or_refuse(batch)
    wanted = [code_or_error(c, Kind.CARRIER, "carriers") for c in codes]
    found = {c.code: c for c in Carrier.objects.filter(code__in=wanted)}
    for code in wanted:
        carrier = found.get(code)
        if carrier is None:
            raise ServiceError(
                "unknown_code", _("No carrier has the code %(code)s.") % {"code": code}
            )
        if carrier.status != State.PENDING_DESTRUCTION:
            raise ServiceError(
                "invalid_transition",
                _("%(code)s is not approved for destruction.") % {"code": code},
                {"carrier": code, "status": carrier.status, "reason": "not_approved"},
            )
        elsewhere = carrier.destruction_batches.filter(closed_at__isnull=True).exclude(pk=batch.pk)
        if elsewhere.exists():
            raise ServiceError(
                "conflict",
                _("%(code)s is in another open destruction batch.") % {"code": code},
                {"carrier": code},
            )
    batch.carriers.add(*found.values())
    return batch


@transaction.atomic
def batch_close(
    *, principal: Principal, batch_id: int, receipt: str, witnesses: list[str]
) -> DestructionBatch:
    """Close a batch: the destruction body's receipt and two witnesses' scans.

    1. The batch is open, holds carriers, and the receipt is stated.
    2. At least two distinct witnesses are named (their badges scanned), else
       ``witnesses_missing``.
    3. For every carrier: each witness's ``destroy_witness`` scan, then ``destroy`` at the
       batch's place, through the ledger's ingest; one refused scan refuses the whole
       close (nothing is recorded) with that scan's code and the carrier.
    """
    _clerk(principal)
    batch = _batch(batch_id, lock=True)
    _open_or_refuse(batch)
    if not receipt.strip():
        raise ServiceError(
            "invalid", _("State the destruction body's receipt."), {"field": "receipt"}
        )
    people = {}
    for raw in witnesses:
        person = person_by_code(raw, "witnesses")
        people[person.code] = person
    if len(people) < 2:
        raise ServiceError(
            "witnesses_missing",
            _("A destruction batch closes only with two different witnesses; %(n)s scanned.")
            % {"n": len(people)},
            {"confirmed": len(people)},
        )
    carriers = list(batch.carriers.order_by("code"))
    if not carriers:
        raise ServiceError("invalid", _("The destruction batch is empty."), {"field": "carriers"})
    scans = []
    for carrier in carriers:
        for code in people:
            scans.append(_scan(batch, "destroy_witness", carrier, counterpart=code))
        scans.append(_scan(batch, "destroy", carrier, location=batch.location.code))
    for scan, result in zip(scans, scans_ingest(scans=scans, principal=principal), strict=True):
        if result.error is not None:
            raise ServiceError(
                result.error.code,
                result.error.message,
                {**result.error.details, "carrier": scan.carrier, "action": scan.action},
            )
    assert principal.person is not None  # noqa: S101 - require_role guarantees a person
    batch.receipt, batch.witnesses = receipt.strip(), sorted(people)
    batch.closed_by, batch.closed_at = principal.person, timezone.now()
    batch.save(update_fields=["receipt", "witnesses", "closed_by", "closed_at"])
    return batch


def _scan(
    batch: DestructionBatch,
    action: str,
    carrier: Carrier,
    *,
    counterpart: str | None = None,
    location: str | None = None,
) -> ScanIn:
    # The id is derived from the batch, carrier, action and witness: a retried close sends
    # the same scans, which the ledger answers as duplicates.
    key = f"batch:{batch.pk}:{carrier.code}:{action}:{counterpart or ''}"
    return ScanIn(
        id=uuid.uuid5(_IDS, key),
        action=action,
        carrier=carrier.code,
        counterpart=counterpart,
        location=location,
    )


# --- the manifest (销毁清单) --------------------------------------------------------------

MANIFEST_HEADINGS = (
    "序号",
    "编号",
    "介质类型",
    "品牌型号",
    "序列号/设备唯一标识",
    "容量",
    "密级",
    "销毁单位",
)
KIND_ZH = dict(MediumKind.choices)


def batch_manifest(*, principal: Principal, batch_id: int) -> Register:
    """The batch's manifest as a register (rendered to PDF or XLSX by registers/render)."""
    require_role(principal, "clerk", "committee", "approver")
    batch = _batch(batch_id)
    carriers = list(batch.carriers.select_related("medium").order_by("code"))

    def rows() -> Iterator[tuple[str, ...]]:
        for n, carrier in enumerate(carriers, start=1):
            medium = getattr(carrier, "medium", None)
            yield (
                str(n),
                carrier.code,
                KIND_ZH[medium.kind] if medium else "",
                " ".join(p for p in (medium.maker, medium.model) if p) if medium else "",
                medium.serial if medium else "",
                medium.capacity if medium else "",
                LEVEL_ZH[carrier.level],
                batch.body,
            )

    return Register(
        "manifest",
        f"涉密载体销毁清单（第{batch.pk}批）",
        MANIFEST_HEADINGS,
        (10, 26, 16, 26, 34, 14, 10, 30),
        rows(),
        Filters(),
        {"count": len(carriers), "batch": batch},
    )
