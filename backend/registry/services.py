"""Writes to the registry: people, locations, devices, tokens and new carriers."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.registry import tokens
from backend.registry.duties import duties_check
from backend.registry.levels import Clearance, Form, Level, LocationKind, Role
from backend.registry.marking import Period, period_end
from backend.registry.models import Carrier, Device, Location, Person, Status, Token
from backend.registry.principals import Principal, require_role
from backend.registry.texts import field_word
from backend.registry.token_cache import token_keep, token_row
from backend.rows import columns, from_rows, run_together
from labels.codes import Kind, generate

_CODE_ATTEMPTS = 8


def _new_code(model: type[Person] | type[Location] | type[Carrier], kind: Kind) -> str:
    # 36^8 bodies: a collision is astronomically rare, but a retry costs nothing.
    for _attempt in range(_CODE_ATTEMPTS):
        code = generate(kind, prefix=settings.CUSTOS_UNIT if kind is Kind.CARRIER else "")
        if not model.objects.filter(code=code).exists():
            return code
    raise RuntimeError("Could not find a free code; is the code space exhausted?")


def _choice(value: str, choices: type[Clearance] | type[Level] | type[Form], what: str) -> str:
    if value not in choices.values:
        raise ServiceError(
            "invalid",
            _("Unknown %(what)s %(value)s.") % {"what": field_word(what), "value": repr(value)},
            {"field": what, "allowed": choices.values},
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
        raise ServiceError("invalid", _("A person needs a name."), {"field": "name"})
    _choice(clearance, Clearance, "clearance")
    if authority:
        _choice(authority, Level, "authority")
    unknown = sorted(set(roles) - set(Role.values))
    if unknown:
        raise ServiceError(
            "invalid",
            _("Unknown roles: %(roles)s.") % {"roles": ", ".join(unknown)},
            {"roles": unknown},
        )
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
        raise ServiceError("invalid", _("A location needs a name."), {"field": "name"})
    if kind not in LocationKind.values:
        raise ServiceError(
            "invalid",
            _("Unknown location kind %(kind)s.") % {"kind": repr(kind)},
            {"field": "kind"},
        )
    return Location.objects.create(
        code=code or _new_code(Location, Kind.LOCATION), name=name, kind=kind, keeper=keeper
    )


def device_create(*, name: str, location: Location) -> Device:
    try:
        with transaction.atomic():
            return Device.objects.create(name=name.strip(), location=location)
    except IntegrityError:
        raise ServiceError(
            "conflict", _("A device named %(name)s exists already.") % {"name": repr(name)}
        ) from None


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
    query with three joins (which cost more CPU than the rest of a scan), and the row is
    reused for up to ``CUSTOS_TOKEN_CACHE_SECONDS`` (backend/registry/token_cache.py).
    """
    parts = tokens.split(plain)
    if parts is None:
        return None
    prefix, secret = parts
    # One round trip for a person's token and a device's alike: the person, or the device
    # and its location, ride along on the token row (the other side's columns are null).
    # Rows become instances by column position (backend/rows.py): ``objects.raw``
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
    row = token_row(prefix)
    if row is None:
        if connection.vendor == "postgresql":
            # A prepared statement: the server plans this join once per connection.
            row = next(iter(run_together([(sql, [prefix])])[0]), None)
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, [prefix])
                row = cursor.fetchone()
        if row is not None and tokens.matches(secret, row[-3]):
            # Only a row its secret matched: a guessed prefix keeps nothing here.
            token_keep(prefix, row)
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


def carrier_create(
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
    """Validate and write a new carrier's row: the registry's part of registering one.

    Only ``backend.classification.intake.carrier_register`` calls this: it opens the
    ledger chain and the 定密 proposal in the same transaction, which the registry cannot
    do without importing the apps above it. A carrier row without its chain is not a
    registered carrier, hence the different name.
    """
    require_role(principal, "registrar")
    assert principal.person is not None  # noqa: S101 - require_role guarantees a person
    title = title.strip()
    if not title:
        raise ServiceError("invalid", _("A carrier needs a title."), {"field": "title"})
    if draft and not basis.strip():
        # 国家秘密定密管理暂行规定 Art. 13: a proposal names the rule it follows; an
        # approver cannot decide on a blank basis.
        raise ServiceError(
            "invalid",
            _("A classification proposal states its basis (定密依据)."),
            {"field": "basis", "reason": "basis_required"},
        )
    _choice(form, Form, "form")
    _choice(level, Level, "level")
    period_check(period)
    if copy_no is not None and copies_total is not None and copy_no > copies_total:
        raise ServiceError(
            "invalid", _("The copy number is above the number of copies."), {"field": "copy_no"}
        )
    if parent is not None and parent.level != level:
        # 直接套用: a copy takes its original's classification.
        raise ServiceError(
            "invalid",
            _("A copy takes its original's level (直接套用)."),
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
    return carrier


def period_check(period: Period) -> None:
    """Refuse a secrecy period that states more than one kind, a bad length or a past date."""
    given = [
        v is not None and v != ""
        for v in (period.years, period.months, period.days, period.until, period.condition)
    ]
    if sum(given) > 1:
        raise ServiceError(
            "invalid",
            _("A secrecy period is one of years, months, days, an end date or a condition."),
            {"field": "period"},
        )
    for n in (period.years, period.months, period.days):
        if n is not None and not 0 < n <= 1000:
            raise ServiceError(
                "invalid", _("A period length is a positive number."), {"field": "period"}
            )
    if period.until is not None and period.until <= timezone.localdate():
        raise ServiceError(
            "invalid", _("The declassification date lies in the past."), {"field": "period"}
        )
