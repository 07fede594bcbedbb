"""``carriers_import``: check every row of a register file, then write all or nothing.

The rows are read once (streaming) and checked against the people, places and carriers
already here; only when no row is bad does one transaction write every new carrier with
its ledger genesis — the ``register`` event (seq 1) naming the file's SHA-256 and the row —
in chunks of ``bulk_create``, so 100,000 rows cost a few hundred statements, not 300,000.
Rows whose carrier is here already (same code, same carrier; or the same file imported
before) are counted and skipped, so importing a file twice adds nothing the second time.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from backend.custody import hooks
from backend.custody.events import event_build
from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.imports import bulk, layout
from backend.imports.checks import Directory, Parsed, Problem, row_check
from backend.imports.models import ImportBatch, ImportMapping
from backend.registry.marking import marking, period_end
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal, require_role
from backend.registry.states import clearance_covers
from labels.codes import Kind, generate

PROGRESS_ROWS = 2000  # a job stores how far the check got every this many rows
CHUNK = 400  # rows per statement batch; under SQLite's 999 parameters in a lookup
Unreadable = layout.Unreadable


@dataclass(slots=True)
class ImportReport:
    file_name: str
    sha256: str
    rows: int = 0
    new: int = 0
    present: int = 0
    problems: list[tuple[int, Problem]] = field(default_factory=list)
    written: bool = False
    codes_issued: list[str] = field(default_factory=list)  # rows that had no code

    @property
    def ok(self) -> bool:
        return not self.problems

    def bad_rows(self) -> list[int]:
        return sorted({n for n, _p in self.problems})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise Unreadable(str(exc)) from exc
    return digest.hexdigest()


def mapping_save(*, principal: Principal, name: str, columns: dict[str, str]) -> ImportMapping:
    """Save (or replace) the column mapping ``name`` for the next file in that layout."""
    require_role(principal, "registrar")
    name = name.strip()
    unknown = sorted(set(columns) - set(layout.FIELDS))
    if not name or unknown:
        raise ServiceError(
            "invalid",
            _("A mapping has a name and maps only known fields: %(fields)s.")
            % {"fields": ", ".join(layout.FIELDS)},
            {"field": "columns", "unknown": unknown},
        )
    missing = [f for f in layout.REQUIRED if not columns.get(f)]
    if "level" in missing and columns.get("marking"):
        missing.remove("level")
    if missing:
        raise ServiceError(
            "invalid",
            _("A mapping names a column for each of: %(fields)s.") % {"fields": ", ".join(missing)},
            {"field": "columns", "missing": missing},
        )
    mapping, _created = ImportMapping.objects.update_or_create(
        name=name, defaults={"columns": {k: v.strip() for k, v in columns.items() if v.strip()}}
    )
    return mapping


def _columns(mapping: str | None) -> dict[str, str]:
    if not mapping:
        return layout.STANDARD
    found = ImportMapping.objects.filter(name=mapping).first()
    if found is None:
        raise ServiceError(
            "not_found", _("There is no saved mapping %(name)s.") % {"name": repr(mapping)}
        )
    return dict(found.columns)


def carriers_import(
    *,
    principal: Principal,
    path: Path,
    dry_run: bool = False,
    location: str | None = None,
    mapping: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportReport:
    """Check every row of the register at ``path``; write all new carriers or none.

    Raises :class:`Unreadable` when the file cannot be read as a register and
    ``ServiceError`` for a bad ``location`` or ``mapping``; bad rows are in the report.
    """
    require_role(principal, "registrar")
    actor = principal.person
    assert actor is not None  # noqa: S101 - require_role guarantees a person
    columns = _columns(mapping)
    sha = file_sha256(path)
    report = ImportReport(file_name=path.name, sha256=sha)
    people = {p.id: p for p in Person.objects.only("id", "code", "name", "clearance")}
    places = {p.id: p for p in Location.objects.only("id", "code", "name")}
    people_dir = Directory([(p.id, p.code, p.name) for p in people.values()])
    places_dir = Directory([(p.id, p.code, p.name) for p in places.values()])
    default_location = None
    if location:
        found = places_dir.find(location)
        if not isinstance(found, int):
            raise ServiceError(
                "invalid",
                _("No single location is called %(value)s.") % {"value": repr(location)},
                {"field": "location"},
            )
        default_location = found
    again = ImportBatch.objects.filter(sha256=sha).exists()
    today = timezone.localdate()
    good: list[Parsed] = []
    first_row: dict[str, int] = {}
    for number, cells in layout.read(path, columns):
        report.rows += 1
        checked = row_check(
            number,
            cells,
            people=people_dir,
            places=places_dir,
            default_location=default_location,
            today=today,
        )
        if isinstance(checked, list):
            report.problems.extend((number, p) for p in checked)
            continue
        if checked.code:
            if checked.code in first_row:
                report.problems.append(
                    (
                        number,
                        (
                            N_("The code %(code)s is in row %(row)s too."),
                            {"code": checked.code, "row": first_row[checked.code]},
                        ),
                    )
                )
                continue
            first_row[checked.code] = number
        custodian = people[checked.custodian]
        if not clearance_covers(custodian.clearance, checked.level):
            report.problems.append(
                (
                    number,
                    (
                        N_("The custodian %(name)s is not cleared for this level."),
                        {"name": custodian.name},
                    ),
                )
            )
            continue
        good.append(checked)
        if progress and report.rows % PROGRESS_ROWS == 0:
            progress("checking", report.rows)
    new = _against_database(good, report, again)
    report.problems.sort(key=lambda p: p[0])
    if report.problems or dry_run:
        report.new = len(new) if not report.problems else 0
        return report
    if progress:
        progress("writing", report.rows)
    try:
        with transaction.atomic():
            ImportBatch.objects.get_or_create(
                sha256=sha,
                defaults={
                    "file_name": path.name[:300],
                    "rows": report.rows,
                    "created": len(new),
                    "imported_by": actor,
                },
            )
            for start in range(0, len(new), CHUNK):
                _write(new[start : start + CHUNK], report, actor, people, places)
    except IntegrityError as exc:  # another import took a code or the file meanwhile
        raise ServiceError(
            "conflict", _("Another import wrote some of these carriers; run it again.")
        ) from exc
    report.new, report.written = len(new), True
    return report


def _against_database(good: list[Parsed], report: ImportReport, again: bool) -> list[Parsed]:
    """The rows to write: rows whose carrier is here already are counted as present; a
    code held by a different carrier is a bad row."""
    new: list[Parsed] = []
    for start in range(0, len(good), CHUNK):
        chunk = good[start : start + CHUNK]
        codes = [p.code for p in chunk if p.code]
        here = {
            c["code"]: c
            for c in Carrier.objects.filter(code__in=codes).values(
                "code", "title", "level", "form", "issued_on"
            )
        }
        for p in chunk:
            if not p.code:
                if again:
                    report.present += 1
                else:
                    new.append(p)
                continue
            known = here.get(p.code)
            if known is None:
                new.append(p)
            elif (known["title"], known["level"], known["form"], known["issued_on"]) == (
                p.title,
                p.level,
                p.form,
                p.issued_on,
            ):
                report.present += 1
            else:
                report.problems.append(
                    (
                        p.number,
                        (
                            N_("The code %(code)s belongs to another carrier in Custos."),
                            {"code": p.code},
                        ),
                    )
                )
    return new


def _write(
    rows: list[Parsed],
    report: ImportReport,
    actor: Person,
    people: dict[int, Person],
    places: dict[int, Location],
) -> None:
    now = timezone.now()
    carriers: list[Carrier] = []
    events: list[CustodyEvent] = []
    for p in rows:
        code = p.code
        if not code:
            code = generate(Kind.CARRIER, prefix=settings.CUSTOS_UNIT)
            report.codes_issued.append(code)
        custodian, location = people[p.custodian], places[p.location]
        carrier = Carrier(
            code=code,
            title=p.title,
            form=p.form,
            level=p.level,
            period_years=p.period.years,
            period_months=p.period.months,
            period_days=p.period.days,
            period_until=p.period.until,
            period_condition=p.period.condition or "",
            basis=p.basis,
            copy_no=p.copy_no,
            copies_total=p.copies_total,
            unit=settings.CUSTOS_UNIT,
            issued_on=p.issued_on,
            period_ends_on=period_end(issued_on=p.issued_on, level=p.level, period=p.period),
            declassified_on=p.declassified_on,
            # Ids, not instances: the descriptors' bookkeeping costs per row and nothing
            # here reads the related rows back.
            registered_by_id=actor.pk,
            status=p.status,
            custodian_id=custodian.pk,
            location_id=location.pk,
        )
        payload: dict[str, Any] = {
            "level": p.level,
            "marking": marking(p.level, p.period),
            "source": {"file": report.file_name, "sha256": report.sha256, "row": p.number},
        }
        if p.status != "registered":
            payload["status"] = p.status
        events.append(
            event_build(
                id=uuid.uuid4(),
                carrier=carrier,
                action="register",
                actor=actor,
                counterpart=custodian,
                location=location,
                occurred_at=now,
                recorded_at=now,
                payload=payload,
            )
        )
        carriers.append(carrier)
    bulk.insert(Carrier, carriers, now=now)
    ids = dict(
        Carrier.objects.filter(code__in=[c.code for c in carriers]).values_list("code", "id")
    )
    for carrier in carriers:
        carrier.pk = ids[carrier.code]
    through = Carrier.scope.through
    bulk.insert(
        through,
        [
            through(carrier_id=c.pk, person_id=person)
            for c, p in zip(carriers, rows, strict=True)
            for person in p.scope
        ],
        now=now,
    )
    for event, carrier in zip(events, carriers, strict=True):
        event.carrier_id = carrier.pk  # the row has its key now
    hooks.events_appended(events)
    bulk.insert(CustodyEvent, events, now=now)
