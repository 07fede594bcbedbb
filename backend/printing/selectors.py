"""Reads for printing: what a label says, rendered labels and sheets, and the scan-time
resolution of label codes to carriers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

import labels
from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.printing.models import BulkPrint, PrintedLabel
from backend.registry.models import Carrier, Location, Person, Status
from backend.registry.policy import may_know
from backend.registry.principals import Principal, require_role
from backend.registry.selectors import code_or_error
from backend.registry.texts import code_error_text, status_word
from backend.rows import one_of
from labels.codes import CodeError, Kind, parse

# Labels only for carriers that may be handed over. An allow-list, so a state added later
# (``draft`` and ``referred`` of the 定密 procedure, say) gets no label until someone
# decides it should: a label is what lets a carrier move.
PRINTABLE = frozenset(
    {
        Status.REGISTERED,
        Status.IN_STORAGE,
        Status.IN_USE,
        Status.IN_TRANSIT,
        Status.IN_REPAIR,
        Status.PENDING_DESTRUCTION,
    }
)
MAX_SHEET = 1000


def _code(raw: str, kind: Kind, what: str = "code") -> str:
    return code_or_error(raw, kind, what)


def label_error(exc: labels.LabelError) -> ServiceError:
    return ServiceError(exc.reason, exc.message)


def require_printable(carrier: Carrier) -> None:
    if carrier.status not in PRINTABLE:
        raise ServiceError(
            "invalid_transition",
            _("No label for %(code)s while it is %(status)s.")
            % {"code": carrier.code, "status": status_word(carrier.status)},
            {"code": carrier.code, "status": carrier.status},
        )


def current_codes(carriers: Sequence[Carrier]) -> dict[int, str]:
    """The code each carrier's label carries now: its reprint's code, else its own."""
    codes = {c.id: c.code for c in carriers}
    if codes:
        for carrier_id, code in PrintedLabel.objects.filter(
            carrier_id__in=list(codes), voided_at__isnull=True
        ).values_list("carrier_id", "code"):
            codes[carrier_id] = code
    return codes


def _carrier_spec(
    carrier: Carrier, label_code: str, principal: Principal, scope: Iterable[str]
) -> labels.LabelSpec:
    # The title is printed only where the unit turns it on AND the caller may know it: a
    # title can itself be secret (CONTRACT.md need-to-know).
    show_title = settings.CUSTOS_LABEL_TITLES and may_know(
        principal, level=carrier.level, scope_codes=scope
    )
    try:
        return labels.LabelSpec(
            code=label_code,
            kind=labels.LabelKind.CARRIER,
            marking=carrier.marking,
            copy_no=carrier.copy_no,
            copies_total=carrier.copies_total,
            unit=settings.CUSTOS_UNIT_NAME or carrier.unit,
            title=carrier.title if show_title else "",
            show_title=show_title,
        )
    except labels.LabelError as exc:
        raise label_error(exc) from None


def carrier_for_label(*, principal: Principal, code: str) -> Carrier:
    require_role(principal, "registrar")
    text = _code(code, Kind.CARRIER)
    carrier = Carrier.objects.prefetch_related("scope").filter(code=text).first()
    if carrier is None:
        raise ServiceError(
            "unknown_code", _("No carrier has the code %(code)s.") % {"code": text}, {"code": text}
        )
    require_printable(carrier)
    return carrier


def carrier_spec(*, principal: Principal, carrier: Carrier, label_code: str) -> labels.LabelSpec:
    return _carrier_spec(carrier, label_code, principal, [p.code for p in carrier.scope.all()])


def _render(
    spec: labels.LabelSpec, fmt: str, dpi: int, size: str | None, matrix: bool = False
) -> bytes:
    try:
        return labels.render(spec, fmt, dpi=dpi, size=size, matrix=matrix)
    except labels.LabelError as exc:
        raise label_error(exc) from None


def carrier_label(
    *,
    principal: Principal,
    code: str,
    fmt: str,
    dpi: int = 300,
    size: str | None = None,
    matrix: bool = False,
) -> bytes:
    """The carrier's current label (a reprint's code once it has one), not recorded.
    ``matrix`` adds a DataMatrix beside a roll label's Code 128 (the small sizes are
    DataMatrix labels anyway)."""
    carrier = carrier_for_label(principal=principal, code=code)
    label_code = current_codes([carrier])[carrier.id]
    spec = carrier_spec(principal=principal, carrier=carrier, label_code=label_code)
    return _render(spec, fmt, dpi, size, matrix)


def _badge_spec(person: Person) -> labels.LabelSpec:
    try:
        return labels.LabelSpec(
            code=person.code,
            kind=labels.LabelKind.BADGE,
            person=person.name,
            unit=settings.CUSTOS_UNIT_NAME,
        )
    except labels.LabelError as exc:
        raise label_error(exc) from None


def _plate_spec(location: Location) -> labels.LabelSpec:
    try:
        return labels.LabelSpec(
            code=location.code,
            kind=labels.LabelKind.PLATE,
            location=location.name,
            unit=settings.CUSTOS_UNIT_NAME,
        )
    except labels.LabelError as exc:
        raise label_error(exc) from None


def person_badge(
    *, principal: Principal, code: str, fmt: str, dpi: int = 300, size: str | None = None
) -> bytes:
    require_role(principal, "admin", "registrar")
    text = _code(code, Kind.PERSON)
    person = Person.objects.filter(code=text).first()
    if person is None:
        raise ServiceError(
            "unknown_code", _("No person has the badge %(code)s.") % {"code": text}, {"code": text}
        )
    return _render(_badge_spec(person), fmt, dpi, size)


def location_plate(
    *, principal: Principal, code: str, fmt: str, dpi: int = 300, size: str | None = None
) -> bytes:
    require_role(principal, "admin", "registrar")
    text = _code(code, Kind.LOCATION)
    location = Location.objects.filter(code=text).first()
    if location is None:
        raise ServiceError(
            "unknown_code", _("No location has the code %(code)s.") % {"code": text}, {"code": text}
        )
    return _render(_plate_spec(location), fmt, dpi, size)


def labels_sheet(
    *,
    principal: Principal,
    codes: list[str],
    layout: str = "a4-3x8",
    start: int = 0,
    crop_marks: bool = False,
    matrix: bool = False,
) -> bytes:
    """An A4 PDF of labels for carriers (C…), badges (P…) and plates (L…), in the given order.

    Reads each kind in one query however many codes there are. Carrier labels need the
    registrar role, badges and plates the admin or registrar role.
    """
    if not 1 <= len(codes) <= MAX_SHEET:
        raise ServiceError(
            "invalid",
            _("Send between 1 and %(n)s codes.") % {"n": MAX_SHEET},
            {"field": "codes"},
        )
    if start < 0:
        raise ServiceError("invalid", _("start is at least 0."), {"field": "start"})
    parsed: list[tuple[Kind, str]] = []
    for i, raw in enumerate(codes):
        try:
            code = parse(raw)
        except CodeError as exc:
            raise ServiceError(exc.reason, code_error_text(exc), {"field": f"codes[{i}]"}) from None
        parsed.append((code.kind, code.text))
    kinds = {k for k, _ in parsed}
    if Kind.CARRIER in kinds:
        require_role(principal, "registrar")
    if kinds - {Kind.CARRIER}:
        require_role(principal, "admin", "registrar")

    wanted = {kind: {t for k, t in parsed if k is kind} for kind in kinds}
    carriers = {
        c.code: c
        for c in Carrier.objects.prefetch_related("scope").filter(
            code__in=wanted.get(Kind.CARRIER, ())
        )
    }
    people = {p.code: p for p in Person.objects.filter(code__in=wanted.get(Kind.PERSON, ()))}
    places = {p.code: p for p in Location.objects.filter(code__in=wanted.get(Kind.LOCATION, ()))}
    label_codes = current_codes(list(carriers.values()))
    specs: list[labels.LabelSpec] = []
    pools: dict[Kind, dict[str, Any]] = {
        Kind.CARRIER: carriers,
        Kind.PERSON: people,
        Kind.LOCATION: places,
    }
    for kind, text in parsed:
        found: Any = pools[kind].get(text)
        if found is None:
            raise ServiceError(
                "unknown_code", _("Unknown code %(code)s.") % {"code": text}, {"code": text}
            )
        if kind is Kind.CARRIER:
            require_printable(found)
            specs.append(
                carrier_spec(principal=principal, carrier=found, label_code=label_codes[found.id])
            )
        elif kind is Kind.PERSON:
            specs.append(_badge_spec(found))
        else:
            specs.append(_plate_spec(found))
    try:
        return labels.sheet(specs, layout, start=start, crop_marks=crop_marks, matrix=matrix)
    except labels.LabelError as exc:
        raise label_error(exc) from None


# --- scan time ------------------------------------------------------------------------

_Checked = list[tuple[int, Any, dict[str, str | None]]]


_LOOKUP = (
    "SELECT l.code, c.code, l.voided_at IS NOT NULL FROM {label} l "
    "JOIN {carrier} c ON c.id = l.carrier_id WHERE {test}"
)


def _lookup(codes: Sequence[str]) -> dict[str, tuple[str, bool]]:
    # Hand-written like backend/custody/store/postgres.py: this runs on every scan batch, and the
    # ORM would spend longer compiling the query than the database answering it (a unique
    # index lookup per code).
    with connection.cursor() as cursor:
        cursor.execute(*_lookup_sql(codes))
        return label_lookup_found(cursor.fetchall())


def _lookup_sql(codes: Sequence[str]) -> tuple[str, list[Any]]:
    if connection.vendor == "postgresql":
        test, params = one_of("l.code", codes, "text")
    else:
        test, params = f"l.code IN ({', '.join(['%s'] * len(codes))})", list(codes)
    table, carriers = PrintedLabel._meta.db_table, Carrier._meta.db_table
    return _LOOKUP.format(label=table, carrier=carriers, test=test), params


# The codes of a scan that name a carrier by its label: the carrier scanned, and the
# device an ``install_storage`` scan puts it into (a device's label is reprinted too).
_NAMING = ("carrier", "host")


def _scanned_codes(checked: _Checked) -> list[str]:
    return sorted({code for _, _, c in checked for k in _NAMING if (code := c.get(k))})


def label_lookup_statement(checked: _Checked) -> tuple[str, list[Any]] | None:
    """The lookup :func:`label_scans_resolve` makes, as a statement for ingest to send
    along with its other reads in one round trip; None when no scan names a carrier.
    Read its rows with :func:`label_lookup_found`.
    """
    codes = _scanned_codes(checked)
    if not codes:
        return None
    return _lookup_sql(codes)


def label_lookup_found(rows: Iterable[Sequence[Any]]) -> dict[str, tuple[str, bool]]:
    return {code: (canonical, bool(voided)) for code, canonical, voided in rows}


def label_carriers_sql(count: int) -> str:
    """The ids of the carriers that ``count`` scanned label codes name (``%s`` each), for
    ingest's lock query: it locks them along with the carriers scanned by their own code,
    before it knows which codes were labels."""
    marks = ", ".join(["%s"] * count)
    return f"SELECT l.carrier_id FROM {PrintedLabel._meta.db_table} l WHERE l.code IN ({marks})"  # noqa: S608


def _voided(code: str, canonical: str) -> ServiceError:
    return ServiceError(
        "voided_label",
        _("Label %(code)s was voided by a reprint; scan the new label.") % {"code": code},
        {"code": code, "carrier": canonical},
    )


def label_scans_resolve(
    *,
    checked: _Checked,
    reject: Callable[[int, ServiceError], None],
    found: dict[str, tuple[str, bool]] | None = None,
    recorded: set[Any] | None = None,
) -> _Checked:
    """Map each checked scan's label codes (its carrier's, and an ``install_storage``
    scan's device's) to their carriers; refuse voided labels.

    1. One query for the whole batch: the printed-label rows of the scanned codes. A code
       with no row is a carrier's own code that was never reprinted (or unknown — ingest
       answers that); it passes unchanged.
    2. A current reprint code is rewritten to the carrier's canonical code: the ledger
       keeps the carrier's identity, whichever label was scanned.
    3. A voided code is rejected with ``voided_label`` — unless its scan id is already
       recorded, so that an offline desk resending a scan made before the reprint still
       gets ``duplicate`` with the recorded event (CONTRACT.md).

    No zero-query shortcut: whether a carrier code is voided is known only to the
    database, and a per-process cache would let a label voided by another process scan.
    ``found`` is the lookup's answer when the caller already made it
    (:func:`label_lookup_statement`); ``recorded``, which of the batch's scan ids the
    caller already knows to be recorded.
    """
    if found is None:
        codes = _scanned_codes(checked)
        if not codes:
            return checked
        found = _lookup(codes)
    if not found:
        return checked
    voided_ids = [
        scan.id
        for _, scan, c in checked
        if any(found.get(c.get(k) or "", ("", False))[1] for k in _NAMING)
    ]
    if recorded is None:
        recorded = set()
        if voided_ids:
            recorded = set(
                CustodyEvent.objects.filter(id__in=voided_ids).values_list("id", flat=True)
            )
    out: _Checked = []
    for index, scan, c in checked:
        refused = None
        for key in _NAMING:
            hit = found.get(c.get(key) or "")
            if hit is None:
                continue
            canonical, voided = hit
            if voided and scan.id not in recorded:
                refused = _voided(c[key] or "", canonical)
                break
            scan = dataclasses.replace(scan, **{key: canonical})
            c = {**c, key: canonical}
        if refused is not None:
            reject(index, refused)
            continue
        out.append((index, scan, c))
    return out


def carrier_code_for_label(raw: str) -> str:
    """The carrier code a scanned label stands for; ``voided_label`` if it was reprinted.

    For places other than ingest that take a scanned carrier code (a desk page's lookup,
    an inventory list): the same rule as :func:`label_scans_resolve`, one code at a time.
    """
    text = _code(raw, Kind.CARRIER)
    hit = _lookup([text]).get(text)
    if hit is None:
        return text
    canonical, voided = hit
    if voided:
        raise _voided(text, canonical)
    return canonical


def bulk_get(*, principal: Principal, id: int) -> BulkPrint:
    require_role(principal, "registrar")
    job = BulkPrint.objects.filter(pk=id).first()
    if job is None:
        raise ServiceError("not_found", _("No bulk print %(id)s.") % {"id": id}, {"id": id})
    return job
