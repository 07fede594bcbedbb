"""Reads for printing: what a label says, rendered labels and sheets, and the scan-time
resolution of label codes to carriers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connection

import labels
from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.printing.models import BulkPrint, PrintedLabel
from backend.registry.models import Carrier, Location, Person, Status
from backend.registry.policy import may_know
from backend.registry.principals import Principal
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


def _require(principal: Principal, *roles: str) -> None:
    if not principal.has_role(*roles):
        raise ServiceError(
            "forbidden",
            f"需要以下角色之一 / This needs one of the roles: {', '.join(roles)}.",
            {"roles": list(roles)},
        )


def _code(raw: str, kind: Kind, what: str = "code") -> str:
    try:
        return parse(raw, kind=kind).text
    except CodeError as exc:
        raise ServiceError(exc.reason, f"{what}: {exc.message}", {"field": what}) from None


def label_error(exc: labels.LabelError) -> ServiceError:
    return ServiceError(exc.reason, exc.message)


def require_printable(carrier: Carrier) -> None:
    if carrier.status not in PRINTABLE:
        raise ServiceError(
            "invalid_transition",
            f"载体 {carrier.code} 处于 {carrier.status} 状态，不能打印标签 / "
            f"No label for {carrier.code} while it is {carrier.status}.",
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
    _require(principal, "registrar")
    text = _code(code, Kind.CARRIER)
    carrier = Carrier.objects.prefetch_related("scope").filter(code=text).first()
    if carrier is None:
        raise ServiceError(
            "unknown_code", f"没有此载体 / No carrier has the code {text}.", {"code": text}
        )
    require_printable(carrier)
    return carrier


def carrier_spec(*, principal: Principal, carrier: Carrier, label_code: str) -> labels.LabelSpec:
    return _carrier_spec(carrier, label_code, principal, [p.code for p in carrier.scope.all()])


def _render(spec: labels.LabelSpec, fmt: str, dpi: int, size: str | None) -> bytes:
    try:
        return labels.render(spec, fmt, dpi=dpi, size=size)
    except labels.LabelError as exc:
        raise label_error(exc) from None


def carrier_label(
    *, principal: Principal, code: str, fmt: str, dpi: int = 300, size: str | None = None
) -> bytes:
    """The carrier's current label (a reprint's code once it has one), not recorded."""
    carrier = carrier_for_label(principal=principal, code=code)
    label_code = current_codes([carrier])[carrier.id]
    return _render(
        carrier_spec(principal=principal, carrier=carrier, label_code=label_code), fmt, dpi, size
    )


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
    _require(principal, "admin", "registrar")
    text = _code(code, Kind.PERSON)
    person = Person.objects.filter(code=text).first()
    if person is None:
        raise ServiceError(
            "unknown_code", f"没有此人员 / No person has the badge {text}.", {"code": text}
        )
    return _render(_badge_spec(person), fmt, dpi, size)


def location_plate(
    *, principal: Principal, code: str, fmt: str, dpi: int = 300, size: str | None = None
) -> bytes:
    _require(principal, "admin", "registrar")
    text = _code(code, Kind.LOCATION)
    location = Location.objects.filter(code=text).first()
    if location is None:
        raise ServiceError(
            "unknown_code", f"没有此位置 / No location has the code {text}.", {"code": text}
        )
    return _render(_plate_spec(location), fmt, dpi, size)


def labels_sheet(
    *,
    principal: Principal,
    codes: list[str],
    layout: str = "a4-3x8",
    start: int = 0,
    crop_marks: bool = False,
) -> bytes:
    """An A4 PDF of labels for carriers (C…), badges (P…) and plates (L…), in the given order.

    Reads each kind in one query however many codes there are. Carrier labels need the
    registrar role, badges and plates the admin or registrar role.
    """
    if not 1 <= len(codes) <= MAX_SHEET:
        raise ServiceError(
            "invalid",
            f"一张表单 1 至 {MAX_SHEET} 个标签 / Send between 1 and {MAX_SHEET} codes.",
            {"field": "codes"},
        )
    if start < 0:
        raise ServiceError("invalid", "start 不能为负 / start is at least 0.", {"field": "start"})
    parsed: list[tuple[Kind, str]] = []
    for i, raw in enumerate(codes):
        try:
            code = parse(raw)
        except CodeError as exc:
            raise ServiceError(exc.reason, exc.message, {"field": f"codes[{i}]"}) from None
        parsed.append((code.kind, code.text))
    kinds = {k for k, _ in parsed}
    if Kind.CARRIER in kinds:
        _require(principal, "registrar")
    if kinds - {Kind.CARRIER}:
        _require(principal, "admin", "registrar")

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
    for kind, text in parsed:
        found: Any = {Kind.CARRIER: carriers, Kind.PERSON: people, Kind.LOCATION: places}[kind].get(
            text
        )
        if found is None:
            raise ServiceError("unknown_code", f"未知编码 / Unknown code {text}.", {"code": text})
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
        return labels.sheet(specs, layout, start=start, crop_marks=crop_marks)
    except labels.LabelError as exc:
        raise label_error(exc) from None


# --- scan time ------------------------------------------------------------------------

_Checked = list[tuple[int, Any, dict[str, str | None]]]


_LOOKUP = (
    "SELECT l.code, c.code, l.voided_at IS NOT NULL FROM {label} l "
    "JOIN {carrier} c ON c.id = l.carrier_id WHERE l.code {test}"
)


def _lookup(codes: Sequence[str]) -> dict[str, tuple[str, bool]]:
    # Hand-written like backend/custody/store/postgres.py: this runs on every scan batch, and the
    # ORM would spend longer compiling the query than the database answering it (a unique
    # index lookup per code).
    marks = ", ".join(["%s"] * len(codes))
    with connection.cursor() as cursor:
        cursor.execute(
            _LOOKUP.format(
                label=PrintedLabel._meta.db_table,
                carrier=Carrier._meta.db_table,
                test=f"IN ({marks})",
            ),
            list(codes),
        )
        return label_lookup_found(cursor.fetchall())


def label_lookup_statement(checked: _Checked) -> tuple[str, list[Any]] | None:
    """The lookup :func:`label_scans_resolve` makes, as a statement for ingest to send
    along with its other reads in one round trip; None when no scan names a carrier.
    Read its rows with :func:`label_lookup_found`.
    """
    codes = sorted({c["carrier"] for _, _, c in checked if c["carrier"]})
    if not codes:
        return None
    sql = _LOOKUP.format(
        label=PrintedLabel._meta.db_table,
        carrier=Carrier._meta.db_table,
        test=f"IN ({', '.join(['%s'] * len(codes))})",
    )
    return sql, codes


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
        f"标签 {code} 已作废（已补打新标签），请扫描新标签 / "
        f"Label {code} was voided by a reprint; scan the new label.",
        {"code": code, "carrier": canonical},
    )


def label_scans_resolve(
    *,
    checked: _Checked,
    reject: Callable[[int, ServiceError], None],
    found: dict[str, tuple[str, bool]] | None = None,
    recorded: set[Any] | None = None,
) -> _Checked:
    """Map each checked scan's label code to its carrier; refuse voided labels.

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
        codes = sorted({c["carrier"] for _, _, c in checked if c["carrier"]})
        if not codes:
            return checked
        found = _lookup(codes)
    if not found:
        return checked
    voided_ids = [
        scan.id for _, scan, c in checked if found.get(c["carrier"] or "", ("", False))[1]
    ]
    if recorded is None:
        recorded = set()
        if voided_ids:
            recorded = set(
                CustodyEvent.objects.filter(id__in=voided_ids).values_list("id", flat=True)
            )
    out: _Checked = []
    for index, scan, c in checked:
        hit = found.get(c["carrier"] or "")
        if hit is None:
            out.append((index, scan, c))
            continue
        canonical, voided = hit
        if voided and scan.id not in recorded:
            reject(index, _voided(c["carrier"] or "", canonical))
            continue
        out.append(
            (index, dataclasses.replace(scan, carrier=canonical), {**c, "carrier": canonical})
        )
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
    _require(principal, "registrar")
    job = BulkPrint.objects.filter(pk=id).first()
    if job is None:
        raise ServiceError("not_found", f"没有此批量打印任务 / No bulk print {id}.", {"id": id})
    return job
