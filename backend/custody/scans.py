"""What a scan is and what ingest answers for it (CONTRACT.md ``POST /scans``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from backend.custody.models import CustodyEvent
from backend.errors import ServiceError

MAX_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ScanIn:
    id: uuid.UUID
    action: str
    carrier: str
    actor: str | None = None
    counterpart: str | None = None
    escort: str | None = None
    location: str | None = None
    occurred_at: datetime | None = None
    due_at: datetime | None = None
    note: str | None = None
    expected_seq: int | None = None
    inventory: int | None = None
    carry_out: int | None = None
    meeting: int | None = None
    on_site: bool = False
    host: str | None = None  # install_storage: the device the medium goes into


@dataclass(slots=True)
class ScanResult:
    id: uuid.UUID
    status: Literal["recorded", "duplicate", "rejected"]
    error: ServiceError | None = None
    event: CustodyEvent | None = None
