"""Input and output schemas of the HTTP API, separate classes, no ``fields="__all__"``.

Part of the kernel (docs/architecture.md): every app's router imports its schemas and the
error responses from here, so no app imports the API app that mounts the routers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import AfterValidator, AwareDatetime, model_validator


def _storable(value: str) -> str:
    """Refuse text no database can store: NUL bytes (PostgreSQL) and lone surrogates
    (not encodable as UTF-8). Anything else, Chinese included, is kept as it is."""
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("text may not contain NUL characters or lone surrogates")
    return value


Text = Annotated[str, AfterValidator(_storable)]
# Codes are checked (trim, upper-case, check character) by labels.codes.parse in the
# services, so a bad code in one scan rejects that scan, not the batch.
Code = Text


class ErrorBody(Schema):
    code: str
    message: str
    details: dict[str, Any]


class ErrorOut(Schema):
    """CONTRACT.md's error shape: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorBody


def error_responses(*statuses: int) -> dict[int, Any]:
    """The ``response=`` entries for the errors an endpoint declares, all ``ErrorOut``."""
    return dict.fromkeys(statuses, ErrorOut)


# What most endpoints can answer: no token, not allowed, unknown code, conflict, invalid.
ERRORS = error_responses(401, 403, 404, 409, 422)


class HealthOut(Schema):
    status: Literal["ok"]
    database: Literal["ok", "down"]
    broker: Literal["ok", "down"]


class PersonIn(Schema):
    name: Text = Field(min_length=1, max_length=100)
    clearance: Literal["top_secret", "secret", "confidential", "none"]
    roles: list[Literal["admin", "registrar", "clerk", "approver", "witness", "committee"]]
    departs_on: date | None = None
    decontrol_months: int | None = Field(default=None, ge=0, le=600)
    authority: Literal["top_secret", "secret", "confidential"] | None = Field(
        default=None, description="An approver's 定密权限: the highest level they may decide."
    )


class PersonOut(Schema):
    code: str
    name: str
    clearance: str
    roles: list[str]
    authority: str | None = None


class LocationIn(Schema):
    name: Text = Field(min_length=1, max_length=100)
    kind: Literal["desk", "safe", "repair", "destruction", "office"]


class LocationOut(Schema):
    code: str
    name: str
    kind: str


class PeriodIn(Schema):
    years: int | None = Field(default=None, ge=1, le=1000)
    months: int | None = Field(default=None, ge=1, le=1000)
    days: int | None = Field(default=None, ge=1, le=100000)
    until: date | None = None
    condition: Text | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def exactly_one(self) -> PeriodIn:
        given = [v for v in (self.years, self.months, self.days, self.until, self.condition) if v]
        if len(given) > 1:
            raise ValueError("a period is one of years, months, days, until, condition")
        return self


MediumKindIn = Literal[
    "usb",
    "removable_disk",
    "internal_disk",
    "disc",
    "memory_card",
    "computer",
    "printer",
    "phone",
]


class MediumIn(Schema):
    """A storage medium or device: what it is and how it is told apart from any other."""

    kind: MediumKindIn
    serial: Text = Field(
        min_length=1, max_length=100, description="Serial number or device unique ID."
    )
    maker: Text = Field(default="", max_length=100)
    model: Text = Field(default="", max_length=100)
    capacity: Text = Field(default="", max_length=40, description="e.g. `64 GB`.")
    host: Code | None = Field(
        default=None, max_length=64, description="The computer or device it is installed in."
    )


class MediumOut(Schema):
    kind: str
    serial: str
    maker: str
    model: str
    capacity: str
    high_water: str
    host: str | None


class CarrierIn(Schema):
    title: Text = Field(min_length=1, max_length=300)
    form: Literal["paper", "magnetic", "optical", "electronic", "device"]
    level: Literal["top_secret", "secret", "confidential"]
    period: PeriodIn | None = None
    basis: Text = Field(default="", max_length=300)
    custodian: Code = Field(max_length=64)
    location: Code = Field(max_length=64)
    copy_no: int | None = Field(default=None, ge=1, le=100000)
    copies_total: int | None = Field(default=None, ge=1, le=100000)
    scope: list[Code] | None = Field(default=None, max_length=500)
    parent: Code | None = Field(default=None, max_length=64)
    medium: MediumIn | None = None


class PeriodOut(Schema):
    years: int | None = None
    months: int | None = None
    days: int | None = None
    until: date | None = None
    condition: str | None = None


class CarrierOut(Schema):
    code: str
    title: str | None
    form: str
    level: str
    marking: str
    period: PeriodOut
    basis: str | None
    scope: list[str] | None
    status: str
    custodian: str
    location: str
    due_at: datetime | None
    # Past ``due_at`` in a state that must end by it, until a scan moves the carrier on.
    overdue: bool = False
    seq: int
    head_hash: str
    copy_no: int | None
    copies_total: int | None
    parent: str | None
    unit: str
    issued_on: date
    created_at: datetime
    medium: MediumOut | None = None


class CarrierListOut(Schema):
    items: list[CarrierOut]
    count: int


class EventOut(Schema):
    id: UUID
    carrier: str
    seq: int
    action: str
    actor: str
    counterpart: str | None
    escort: str | None
    location: str | None
    device: str | None
    occurred_at: datetime
    recorded_at: datetime
    due_at: datetime | None
    late: bool
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class ScanIn(Schema):
    id: UUID
    action: Text = Field(max_length=32)
    carrier: Code = Field(max_length=64)
    actor: Code | None = Field(default=None, max_length=64)
    counterpart: Code | None = Field(default=None, max_length=64)
    escort: Code | None = Field(
        default=None, max_length=64, description="Second person accompanying a 绝密 carrier."
    )
    location: Code | None = Field(default=None, max_length=64)
    occurred_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    note: Text | None = Field(default=None, max_length=500)
    expected_seq: int | None = Field(
        default=None, ge=0, description="Refuse with `conflict` unless the carrier is at this seq."
    )
    inventory: int | None = Field(default=None, ge=1)
    carry_out: int | None = Field(
        default=None, ge=1, description="carry_out / carry_in: the approved carry-out request."
    )
    meeting: int | None = Field(
        default=None, ge=1, description="checkout / return: issue or collect a meeting copy."
    )
    on_site: bool = Field(
        default=False,
        description="repair_out: the repair is done on site under supervision, so storage "
        "may stay inside the device.",
    )
    host: Code | None = Field(
        default=None,
        max_length=64,
        description="install_storage: the carrier code of the computer or device the medium "
        "goes into.",
    )


class ScanBatchIn(Schema):
    scans: list[ScanIn] = Field(min_length=1, max_length=1000)


class ScanErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


class ScanResultOut(Schema):
    id: UUID
    status: Literal["recorded", "duplicate", "rejected"]
    error: ScanErrorOut | None = None
    event: EventOut | None = None
    # The desk's receipt: the recorded event's place and hash in the carrier's chain.
    seq: int | None = None
    hash: str | None = None


class ScanBatchOut(Schema):
    results: list[ScanResultOut]


class AlertOut(Schema):
    id: int
    kind: str
    carrier: str | None
    level: str | None
    opened_at: datetime
    status: str
    details: dict[str, Any]
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    note: str
    resolved_at: datetime | None


class AckIn(Schema):
    note: Text | None = Field(default=None, max_length=2000)


class BreakOut(Schema):
    carrier: str
    seq: int
    reason: str


class VerifyOut(Schema):
    ok: bool
    carriers: int
    events: int
    broken: list[BreakOut]
