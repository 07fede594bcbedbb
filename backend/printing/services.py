"""Printing labels and recording each print in the ledger.

A print is one transaction: lock the carrier, issue or check its label code, append a
``label_printed`` event to its chain, send the job to the printer, commit. If the printer
does not take the job the whole print rolls back, so the ledger never records a label
that was not sent; a label that was sent is never left unrecorded (short of a failed
COMMIT after the send). The carrier row stays locked for the send, bounded by the
printer timeout (``printers.SEND_TIMEOUT``): a desk scanning that carrier waits, others
do not (PostgreSQL row lock; on SQLite the write lock, under its 20 s busy timeout).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.custody.locks import carrier_lock
from backend.custody.models import CustodyEvent
from backend.custody.services import ledger_append
from backend.errors import ServiceError
from backend.printing import printers, selectors
from backend.printing.models import BadgeKind, BadgePrint, BulkPrint, BulkStatus, PrintedLabel
from backend.queue import enqueue
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal, require_role
from labels import LabelError
from labels.codes import Kind, generate

MAX_COPIES = 50
MAX_BULK = 2000
# Reprint codes have a longer random body than the registry's carrier codes (8), so a
# reprint code can never equal a carrier code registered later — ingest would otherwise
# map that carrier's scans to another carrier.
LABEL_BODY = 10
_CODE_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class PrintResult:
    label: PrintedLabel
    event: CustodyEvent
    voided: list[str]


def _copies(copies: int) -> int:
    if not 1 <= copies <= MAX_COPIES:
        raise ServiceError(
            "invalid",
            _("copies is 1 to %(n)s.") % {"n": MAX_COPIES},
            {"field": "copies"},
        )
    return copies


def _printer_person(principal: Principal) -> Person:
    require_role(principal, "registrar")
    assert principal.person is not None  # noqa: S101 - a role implies a person
    return principal.person


def _lock(code: str) -> Carrier:
    text = selectors._code(code, Kind.CARRIER)
    carrier = carrier_lock(code=text)
    if carrier is None:
        raise ServiceError(
            "unknown_code", _("No carrier has the code %(code)s.") % {"code": text}, {"code": text}
        )
    selectors.require_printable(carrier)
    return carrier


def _new_label_code() -> str:
    for _attempt in range(_CODE_ATTEMPTS):
        code = generate(Kind.CARRIER, prefix=settings.CUSTOS_UNIT, length=LABEL_BODY)
        taken = (
            PrintedLabel.objects.filter(code=code).exists()
            or Carrier.objects.filter(code=code).exists()
        )
        if not taken:
            return code
    raise RuntimeError("Could not find a free label code; is the code space exhausted?")


def ledger_label_printed(
    *, carrier: Carrier, actor: Person, payload: dict[str, Any], now: datetime
) -> CustodyEvent:
    """Append a ``label_printed`` event to ``carrier``'s chain; the caller holds its lock."""
    return ledger_append(
        carrier=carrier, actor=actor, action="label_printed", payload=payload, now=now
    )


def _print(
    *,
    principal: Principal,
    person: Person,
    code: str,
    printer: printers.Printer,
    copies: int,
    size: str | None,
    reprint: bool,
    reason: str = "",
) -> PrintResult:
    now = timezone.now()
    with transaction.atomic():
        carrier = _lock(code)
        voided: list[str] = []
        replaces: PrintedLabel | None = None
        if not reprint:
            # A label printed twice for one carrier is a security incident: the first
            # print carries the carrier's own code, once; anything after is a reprint.
            if PrintedLabel.objects.filter(carrier=carrier).exists():
                raise ServiceError(
                    "conflict",
                    _("%(code)s already has a printed label; reprint it instead.")
                    % {"code": carrier.code},
                    {"code": carrier.code},
                )
            label_code = carrier.code
        else:
            labels_of = list(PrintedLabel.objects.filter(carrier=carrier, voided_at__isnull=True))
            if not labels_of:
                # The original label left as a download, never recorded: keep its code
                # on file so that it can be voided like any other.
                labels_of = [
                    PrintedLabel.objects.create(
                        code=carrier.code, carrier=carrier, copies=0, printer=""
                    )
                ]
            for old in labels_of:
                old.voided_at = now
                old.save(update_fields=["voided_at"])
                voided.append(old.code)
            replaces = labels_of[-1]
            label_code = _new_label_code()
        spec = selectors.carrier_spec(principal=principal, carrier=carrier, label_code=label_code)
        try:
            job = printer.render(spec, size)
        except LabelError as exc:  # a size or dpi this printer's stock cannot take
            raise selectors.label_error(exc) from None
        label = PrintedLabel.objects.create(
            code=label_code,
            carrier=carrier,
            copies=copies,
            printer=printer.name,
            printed_by=person,
            printed_at=now,
            replaces=replaces,
        )
        payload: dict[str, Any] = {
            "label": label_code,
            "copies": copies,
            "printer": printer.name,
            "reprint": reprint,
        }
        if voided:
            payload["voided"] = voided
        if reason:
            payload["reason"] = reason[:200]
        event = ledger_label_printed(carrier=carrier, actor=person, payload=payload, now=now)
        printer.send(job, copies)  # raises PrinterError: everything above rolls back
    return PrintResult(label=label, event=event, voided=voided)


def label_print(
    *, principal: Principal, code: str, printer: str, copies: int = 1, size: str | None = None
) -> PrintResult:
    """Print a carrier's first label (its own code) and record ``label_printed``."""
    person = _printer_person(principal)
    return _print(
        principal=principal,
        person=person,
        code=code,
        printer=printers.printer_get(printer),
        copies=_copies(copies),
        size=size,
        reprint=False,
    )


def label_reprint(
    *,
    principal: Principal,
    code: str,
    printer: str,
    copies: int = 1,
    size: str | None = None,
    reason: str = "",
) -> PrintResult:
    """Print a replacement label with a fresh code; every earlier label is voided."""
    person = _printer_person(principal)
    return _print(
        principal=principal,
        person=person,
        code=code,
        printer=printers.printer_get(printer),
        copies=_copies(copies),
        size=size,
        reprint=True,
        reason=reason,
    )


def label_reprint_raised(*, carrier_id: int) -> PrintResult | None:
    """Reprint a medium's label at its new, higher level (the high-water rule), on the
    printer that printed its current label, as the registrar who printed it; the reprint
    voids the label at the old level. None when there is no printed label or no printer."""
    last = (
        PrintedLabel.objects.filter(
            carrier_id=carrier_id, voided_at__isnull=True, printed_by__isnull=False
        )
        .select_related("carrier", "printed_by")
        .order_by("-printed_at")
        .first()
    )
    names = printers.configured()
    if last is None or not names:
        return None
    printer = last.printer if last.printer in names else sorted(names)[0]
    assert last.printed_by is not None  # noqa: S101 - filtered above
    return label_reprint(
        principal=Principal(person=last.printed_by),
        code=last.carrier.code,
        printer=printer,
        reason="密级提高，按新密级重印标签",
    )


# --- bulk -----------------------------------------------------------------------------


@transaction.atomic
def bulk_print_create(
    *, principal: Principal, codes: list[str], printer: str, copies: int = 1
) -> BulkPrint:
    """Queue a background print of many first labels; the worker's ``slow`` queue runs it."""
    person = _printer_person(principal)
    printers.printer_get(printer)
    _copies(copies)
    if not 1 <= len(codes) <= MAX_BULK:
        raise ServiceError(
            "invalid",
            _("Send between 1 and %(n)s codes.") % {"n": MAX_BULK},
            {"field": "codes"},
        )
    texts = [selectors._code(c, Kind.CARRIER, f"codes[{i}]") for i, c in enumerate(codes)]
    job = BulkPrint.objects.create(
        requested_by=person, printer=printer, copies=copies, codes=texts, total=len(texts)
    )
    # If the broker is down the job row stays ``queued`` with its position, and running
    # the task again for it resumes it (Redis carries work, never state).
    transaction.on_commit(lambda: enqueue("slow_labels_print", job.pk))
    return job


def bulk_print_run(*, job_id: int) -> BulkPrint:
    """Print a bulk job's labels from where it stopped; safe to run twice, even at once.

    1. Mark the job running (a failed job is resumed: its printer failure is forgotten).
    2. For each remaining label, in one transaction: lock the job row and read its
       position ``done``; print that carrier's first label as :func:`label_print` does;
       advance ``done`` (and ``failed``). The label, its event and the progress commit
       together, so a redelivered task — or a second worker on the same job — resumes
       after the last label recorded and never prints one twice.
    3. Stop at the first printer failure (rather than time out on every label left), or
       mark the job done.
    """
    job = BulkPrint.objects.select_related("requested_by").get(pk=job_id)
    if job.status == BulkStatus.DONE:
        return job
    principal = Principal(person=job.requested_by)
    with transaction.atomic():
        job = BulkPrint.objects.select_for_update().get(pk=job_id)
        job.status, job.started_at = BulkStatus.RUNNING, job.started_at or timezone.now()
        job.failed = [f for f in job.failed if f.get("error") != "printer_unavailable"]
        job.save(update_fields=["status", "started_at", "failed"])
    while True:
        with transaction.atomic():
            job = BulkPrint.objects.select_for_update().get(pk=job_id)
            if job.done >= job.total:
                break
            code = job.codes[job.done]
            try:
                printer = printers.printer_get(job.printer)
                with transaction.atomic():  # a savepoint: a refused label leaves no trace
                    _print(
                        principal=principal,
                        person=principal.person,  # type: ignore[arg-type]  # the job's starter: a person
                        code=code,
                        printer=printer,
                        copies=job.copies,
                        size=None,
                        reprint=False,
                    )
            except printers.PrinterError as exc:
                job.status, job.finished_at = BulkStatus.FAILED, timezone.now()
                job.failed = [*job.failed, _failure(code, exc)]
                job.save(update_fields=["status", "finished_at", "failed"])
                return job
            except ServiceError as exc:
                # This carrier cannot have a first label (printed already, a draft…): note
                # it and go on with the others.
                job.failed = [*job.failed, _failure(code, exc)]
            job.done += 1
            job.save(update_fields=["done", "failed"])
    job.status, job.finished_at = BulkStatus.DONE, timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


def _failure(code: str, exc: ServiceError) -> dict[str, str]:
    return {"code": code, "error": exc.code, "message": exc.message}


# --- badges and plates ----------------------------------------------------------------


def _badge_or_plate(
    *,
    principal: Principal,
    kind: BadgeKind,
    code: str,
    printer: str,
    copies: int,
    size: str | None,
) -> BadgePrint:
    require_role(principal, "admin", "registrar")
    assert principal.person is not None  # noqa: S101 - a role implies a person
    target = printers.printer_get(printer)
    copies = _copies(copies)
    if kind is BadgeKind.BADGE:
        text = selectors._code(code, Kind.PERSON)
        person = Person.objects.filter(code=text).first()
        if person is None:
            raise ServiceError(
                "unknown_code",
                _("No person has the badge %(code)s.") % {"code": text},
                {"code": text},
            )
        spec = selectors._badge_spec(person)
    else:
        text = selectors._code(code, Kind.LOCATION)
        location = Location.objects.filter(code=text).first()
        if location is None:
            raise ServiceError(
                "unknown_code",
                _("No location has the code %(code)s.") % {"code": text},
                {"code": text},
            )
        spec = selectors._plate_spec(location)
    try:
        job = target.render(spec, size)
    except LabelError as exc:
        raise selectors.label_error(exc) from None
    with transaction.atomic():
        record = BadgePrint.objects.create(
            kind=kind,
            code=text,
            copies=copies,
            printer=target.name,
            printed_by=principal.person,
            printed_at=timezone.now(),
        )
        # Recorded and sent together: a printer that refuses the job leaves no record.
        target.send(job, copies)
    return record


def badge_print(
    *, principal: Principal, code: str, printer: str, copies: int = 1, size: str | None = None
) -> BadgePrint:
    """Print a person's badge (admin or registrar) and record the print."""
    return _badge_or_plate(
        principal=principal,
        kind=BadgeKind.BADGE,
        code=code,
        printer=printer,
        copies=copies,
        size=size,
    )


def plate_print(
    *, principal: Principal, code: str, printer: str, copies: int = 1, size: str | None = None
) -> BadgePrint:
    """Print a location's plate (admin or registrar) and record the print."""
    return _badge_or_plate(
        principal=principal,
        kind=BadgeKind.PLATE,
        code=code,
        printer=printer,
        copies=copies,
        size=size,
    )
