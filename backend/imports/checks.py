"""Checking one register row: every cell read into a carrier's fields, or named problems.

Nothing here writes or guesses: a custodian, location or scope member is matched by badge
code or by exact name, and a name that matches nobody or several people is a problem.
Messages are msgids (gettext_noop) with their parameters, so the report can be given in
Chinese and English alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext_noop as N_

from backend.registers.selectors import FORM_ZH, STATUS_ZH
from backend.registry.levels import LEVEL_ZH, Form, Level
from backend.registry.marking import Period
from backend.registry.states import State
from labels.codes import CodeError, Kind, parse

Problem = tuple[str, dict[str, Any]]  # msgid, params

LEVELS = {v: k for k, v in LEVEL_ZH.items()} | {v: v for v in Level.values}
FORMS = {str(v): k for k, v in FORM_ZH.items()} | {v: v for v in Form.values}
STATES = {str(v): str(k) for k, v in STATUS_ZH.items()} | {s.value: s.value for s in State}
# Imported carriers were classified before Custos: a row still in the 定密 procedure is not.
UNCLASSIFIED = {State.DRAFT.value, State.REFERRED.value}

_DECLASSIFIED = re.compile(r"^(.*)（已于(\d{4}-\d{2}-\d{2})解密）$")
_LENGTH = re.compile(r"^(\d+)\s*(年|个月|月|天|日)$")
_UNTIL = re.compile(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?$")
_COPIES = re.compile(r"^共(\d+|\?)份/第(\d+|\?)份$")
_SPLIT = re.compile(r"[、,，;；\s]+")


@dataclass(slots=True)
class Parsed:
    """A good row, ready to write."""

    number: int
    code: str  # "" when the row had none: a new code is issued at writing
    title: str
    form: str
    issued_on: date
    level: str
    period: Period
    declassified_on: date | None
    basis: str
    scope: tuple[int, ...]
    copy_no: int | None
    copies_total: int | None
    status: str
    custodian: int
    location: int


class Directory:
    """People and places by badge code and by exact name (both tables are small)."""

    def __init__(self, rows: list[tuple[int, str, str]]) -> None:
        self.by_code = {code.upper(): pk for pk, code, _name in rows}
        self.by_name: dict[str, list[int]] = {}
        for pk, _code, name in rows:
            self.by_name.setdefault(name.strip(), []).append(pk)

    def find(self, value: str) -> int | str:
        """The id, or why not: ``unknown`` or ``ambiguous``."""
        pk = self.by_code.get(value.upper())
        if pk is not None:
            return pk
        found = self.by_name.get(value, [])
        if len(found) == 1:
            return found[0]
        return "ambiguous" if found else "unknown"


def day(value: str) -> date | None:
    m = _UNTIL.match(value)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _period(value: str, problems: list[Problem]) -> tuple[Period, date | None]:
    declassified = None
    m = _DECLASSIFIED.match(value)
    if m:
        value, declassified = m[1], date.fromisoformat(m[2])
    if not value:
        return Period(), declassified
    m = _LENGTH.match(value)
    if m:
        n = int(m[1])
        if not 0 < n <= 1000:
            problems.append((N_("The secrecy period %(value)s is not a length."), {"value": value}))
            return Period(), declassified
        unit = {"年": "years", "个月": "months", "月": "months", "天": "days", "日": "days"}[m[2]]
        length = {
            "years": Period(years=n),
            "months": Period(months=n),
            "days": Period(days=n),
        }
        return length[unit], declassified
    if value[0].isdigit():
        until = day(value)
        if until is None:
            problems.append((N_("The secrecy period %(value)s is not a date."), {"value": value}))
        return Period(until=until), declassified
    return Period(condition=value[:200]), declassified


def _copies(value: str, problems: list[Problem]) -> tuple[int | None, int | None]:
    if not value:
        return None, None
    m = _COPIES.match(value)
    if not m:
        problems.append((N_("The copies %(value)s are not 共N份/第M份."), {"value": value}))
        return None, None
    total = None if m[1] == "?" else int(m[1])
    no = None if m[2] == "?" else int(m[2])
    if total is not None and no is not None and no > total:
        problems.append((N_("The copy number is above the number of copies."), {}))
    return no, total


def _match(what: str, value: str, directory: Directory, problems: list[Problem]) -> int | None:
    found = directory.find(value)
    if isinstance(found, int):
        return found
    if found == "ambiguous":
        problems.append(
            (
                N_("The %(what)s %(value)s names several; give the code."),
                {"what": what, "value": value},
            )
        )
    else:
        problems.append((N_("No %(what)s is called %(value)s."), {"what": what, "value": value}))
    return None


def row_check(
    number: int,
    cells: dict[str, str],
    *,
    people: Directory,
    places: Directory,
    default_location: int | None,
    today: date,
) -> Parsed | list[Problem]:
    """The row's carrier, or every problem found in it (all of them, not the first)."""
    problems: list[Problem] = []
    get = cells.get
    for field, word in (
        ("title", N_("title")),
        ("form", N_("form")),
        ("level", N_("level")),
        ("custodian", N_("custodian")),
    ):
        if not get(field) and not (field == "level" and get("marking")):
            problems.append((N_("The %(what)s cell is empty."), {"what": word}))
    code = ""
    if get("code"):
        try:
            code = parse(cells["code"], kind=Kind.CARRIER).text
        except CodeError as exc:
            if exc.reason == "bad_check_character":
                problems.append(
                    (N_("The check character of %(code)s is wrong."), {"code": cells["code"]})
                )
            else:
                problems.append((N_("%(code)s is not a carrier code."), {"code": cells["code"]}))
    level = ""
    marking_level, _star, marking_period = (get("marking") or "").partition("★")
    for raw in (get("level") or "", marking_level):
        if raw:
            found = LEVELS.get(raw.strip())
            if found is None:
                problems.append((N_("Unknown level %(value)s."), {"value": raw}))
            elif level and found != level:
                problems.append((N_("The level and the marking disagree."), {}))
            else:
                level = found
    form = FORMS.get(get("form") or "", "")
    if get("form") and not form:
        problems.append((N_("Unknown carrier form %(value)s."), {"value": cells["form"]}))
    issued_on = today
    if get("issued_on"):
        parsed = day(cells["issued_on"])
        if parsed is None:
            problems.append(
                (N_("The date %(value)s is not a date."), {"value": cells["issued_on"]})
            )
        elif parsed > today:
            problems.append(
                (N_("The date %(value)s lies in the future."), {"value": cells["issued_on"]})
            )
        else:
            issued_on = parsed
    period, declassified = _period(get("period") or marking_period.strip(), problems)
    copy_no, copies_total = _copies(get("copies") or "", problems)
    status = State.REGISTERED.value
    if get("status"):
        status = STATES.get(cells["status"], "")
        if not status:
            problems.append((N_("Unknown state %(value)s."), {"value": cells["status"]}))
        elif status in UNCLASSIFIED:
            problems.append(
                (
                    N_("The carrier is still in the classification procedure (%(value)s)."),
                    {"value": cells["status"]},
                )
            )
    custodian = (
        _match(N_("custodian"), cells["custodian"], people, problems) if get("custodian") else None
    )
    location = default_location
    if get("location"):
        location = _match(N_("location"), cells["location"], places, problems)
    elif location is None:
        problems.append((N_("The row names no location and no --location was given."), {}))
    scope: list[int] = []
    for member in _SPLIT.split(get("scope") or ""):
        if member:
            pk = _match(N_("person in the scope"), member, people, problems)
            if pk is not None:
                scope.append(pk)
    if problems or custodian is None or location is None:
        return problems
    return Parsed(
        number=number,
        code=code,
        title=cells["title"][:300],
        form=form,
        issued_on=issued_on,
        level=level,
        period=period,
        declassified_on=declassified,
        basis=(get("basis") or "")[:300],
        scope=tuple(scope),
        copy_no=copy_no,
        copies_total=copies_total,
        status=status,
        custodian=custodian,
        location=location,
    )
