"""Writes to the registry: people, locations, devices, tokens and new carriers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from backend.core.rows import columns, from_rows, run_together
from backend.errors import ServiceError
from backend.registry import tokens
from backend.registry.duties import duties_check
from backend.registry.levels import Clearance, Form, Level, LocationKind, Role
from backend.registry.marking import Period
from backend.registry.models import Carrier, Device, Location, Person, Status, Token
from backend.registry.principals import Principal
from labels.codes import Kind, generate

_CODE_ATTEMPTS = 8


def _new_code(model: type[Person] | type[Location] | type[Carrier], kind: Kind) -> str:
    # 36^8 bodies: a collision is astronomically rare, but a retry costs nothing.
    for _ in range(_CODE_ATTEMPTS):
        code = generate(kind, prefix=settings.CUSTOS_UNIT if kind is Kind.CARRIER else "")
        if not model.objects.filter(code=code).exists():
            return code
    raise RuntimeError("Could not find a free code; is the code space exhausted?")


def _require(principal: Principal, *roles: str) -> None:
    if not principal.has_role(*roles):
        raise ServiceError(
            "forbidden",
            f"This needs one of the roles: {', '.join(roles)}.",
            {"roles": list(roles)},
        )


def _choice(value: str, choices: type[Clearance] | type[Level] | type[Form], what: str) -> str:
    if value not in choices.values:
        raise ServiceError(
            "invalid", f"Unknown {what} {value!r}.", {"field": what, "allowed": choices.values}
        )
    return value


@transaction.atomic
def person_create(
    *,
    name: str,
    clearance: str,
    roles: list[str],
    departs_on: date | None = None,
    decontrol_months: int | None = None,
    code: str | None = None,
    authority: str = "",
) -> Person:
    """A person with a badge. ``authority`` is an approver's 定密权限: the highest level
    they may decide (blank: none — they can review but not approve)."""
    name = name.strip()
    if not name:
        raise ServiceError("invalid", "A person needs a name.", {"field": "name"})
    _choice(clearance, Clearance, "clearance")
    if authority:
        _choice(authority, Level, "authority")
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ServiceError("invalid", f"Unknown roles: {', '.join(unknown)}.", {"roles": unknown})
    duties_check(roles)
    person = Person(
        code=code or _new_code(Person, Kind.PERSON),
        name=name,
        clearance=clearance,
        departs_on=departs_on,
        decontrol_months=decontrol_months,
        authority=authority,
    )
    person.roles = roles
    person.save()
    return person


@transaction.atomic
def location_create(
    *, name: str, kind: str, keeper: Person | None = None, code: str | None = None
) -> Location:
    name = name.strip()
    if not name:
        raise ServiceError("invalid", "A location needs a name.", {"field": "name"})
    if kind not in LocationKind.values:
        raise ServiceError("invalid", f"Unknown location kind {kind!r}.", {"field": "kind"})
    return Location.objects.create(
        code=code or _new_code(Location, Kind.LOCATION), name=name, kind=kind, keeper=keeper
    )


def device_create(*, name: str, location: Location) -> Device:
    try:
        with transaction.atomic():
            return Device.objects.create(name=name.strip(), location=location)
    except IntegrityError:
        raise ServiceError("conflict", f"A device named {name!r} exists already.") from None


def token_create(
    *,
    person: Person | None = None,
    device: Device | None = None,
    expires_at: datetime | None = None,
) -> str:
    """Create a token and return its plain text — the only time it exists in clear."""
    if (person is None) == (device is None):
        raise ValueError("A token belongs to exactly one person or one device.")
    new = tokens.mint()
    Token.objects.create(
        prefix=new.prefix, digest=new.digest, person=person, device=device, expires_at=expires_at
    )
    return new.plain


def token_authenticate(plain: str) -> Principal | None:
    """The person or device a bearer token belongs to, or None if it is not valid now.

    Runs on every API request, so it reads with plain SQL rather than a compiled ORM
    query with three joins (which cost more CPU than the rest of a scan).
    """
    parts = tokens.split(plain)
    if parts is None:
        return None
    prefix, secret = parts
    # One round trip for a person's token and a device's alike: the person, or the device
    # and its location, ride along on the token row (the other side's columns are null).
    # Rows become instances by column position (backend/core/rows.py): ``objects.raw``
    # spent more CPU matching columns to fields than the query took.
    sql = (
        f"SELECT {columns(Person, 'p')}, {columns(Device, 'd')}, {columns(Location, 'l')},"  # noqa: S608
        " t.digest, t.expires_at, t.revoked_at"
        f" FROM {Token._meta.db_table} t"
        f" LEFT JOIN {Person._meta.db_table} p ON p.id = t.person_id"
        f" LEFT JOIN {Device._meta.db_table} d ON d.id = t.device_id"
        f" LEFT JOIN {Location._meta.db_table} l ON l.id = d.location_id"
        " WHERE t.prefix = %s"
    )
    if connection.vendor == "postgresql":
        # A prepared statement: the server plans this join once per connection.
        row = next(iter(run_together([(sql, [prefix])])[0]), None)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [prefix])
            row = cursor.fetchone()
    if row is None or not tokens.matches(secret, row[-3]):
        return None
    now = timezone.now()
    expires_at = _aware(row[-2])
    if row[-1] is not None or (expires_at is not None and expires_at <= now):
        return None
    people, devices = len(Person._meta.concrete_fields), len(Device._meta.concrete_fields)
    if row[0] is not None:
        [person] = from_rows(Person, [row[:people]])
        if not person.is_active_on(timezone.localdate()):
            return None
        return Principal(person=person)
    [device] = from_rows(Device, [row[people : people + devices]])
    if device.pk is None or not device.active:
        return None
    [device.location] = from_rows(Location, [row[people + devices : -3]])
    return Principal(device=device)


def _aware(value: datetime | str | None) -> datetime | None:
    # A raw cursor on SQLite gives naive UTC (or text); PostgreSQL an aware datetime.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def carrier_register(
    *,
    principal: Principal,
    title: str,
    form: str,
    level: str,
    period: Period,
    basis: str,
    custodian: Person,
    location: Location,
    copy_no: int | None = None,
    copies_total: int | None = None,
    scope: list[Person] | None = None,
    parent: Carrier | None = None,
    issued_on: date | None = None,
    draft: bool = True,
) -> Carrier:
    """Register a carrier and open its ledger chain with a ``register`` event (seq 1).

    With ``draft`` (the default, and what ``POST /carriers`` does) the carrier starts as
    ``draft``: the registrar is the handler (承办人) and what they entered is the proposal
    that a reviewer and a classification authority decide on (backend/classification).
    ``draft=False`` registers at once, for carriers whose classification was decided
    before they entered Custos (stock classified on paper, copies made under an approved
    copy request, the demo seed); it is not reachable over HTTP.
    """
    from backend.classification.periods import period_end
    from backend.classification.services import proposal_open
    from backend.custody.services import ledger_open  # the ledger builds on the registry

    _require(principal, "registrar")
    assert principal.person is not None  # noqa: S101 - _require guarantees a person
    title = title.strip()
    if not title:
        raise ServiceError("invalid", "A carrier needs a title.", {"field": "title"})
    _choice(form, Form, "form")
    _choice(level, Level, "level")
    _validate_period(period)
    if copy_no is not None and copies_total is not None and copy_no > copies_total:
        raise ServiceError(
            "invalid", "The copy number is above the number of copies.", {"field": "copy_no"}
        )
    if parent is not None and parent.level != level:
        # 直接套用: a copy takes its original's classification.
        raise ServiceError(
            "invalid",
            "A copy takes its original's level (直接套用).",
            {"field": "level", "parent_level": parent.level},
        )
    issued_on = issued_on or timezone.localdate()
    with transaction.atomic():
        carrier = Carrier.objects.create(
            code=_new_code(Carrier, Kind.CARRIER),
            title=title,
            form=form,
            level=level,
            period_years=period.years,
            period_months=period.months,
            period_days=period.days,
            period_until=period.until,
            period_condition=period.condition or "",
            basis=basis.strip(),
            copy_no=copy_no,
            copies_total=copies_total,
            parent=parent,
            unit=settings.CUSTOS_UNIT,
            issued_on=issued_on,
            period_ends_on=period_end(issued_on=issued_on, level=level, period=period),
            registered_by=principal.person,
            status=Status.DRAFT if draft else Status.REGISTERED,
            custodian=custodian,
            location=location,
        )
        if scope:
            carrier.scope.set(scope)
        ledger_open(carrier=carrier, actor=principal.person)
        if draft:
            proposal_open(carrier=carrier, proposer=principal.person)
    return carrier


def _validate_period(period: Period) -> None:
    given = [
        v is not None and v != ""
        for v in (period.years, period.months, period.days, period.until, period.condition)
    ]
    if sum(given) > 1:
        raise ServiceError(
            "invalid",
            "A secrecy period is one of years, months, days, an end date or a condition.",
            {"field": "period"},
        )
    for n in (period.years, period.months, period.days):
        if n is not None and not 0 < n <= 1000:
            raise ServiceError(
                "invalid", "A period length is a positive number.", {"field": "period"}
            )
    if period.until is not None and period.until <= timezone.localdate():
        raise ServiceError(
            "invalid", "The declassification date lies in the past.", {"field": "period"}
        )
