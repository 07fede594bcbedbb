"""The one exception type for business refusals; the API maps it to CONTRACT.md's shape."""

from __future__ import annotations

from typing import Any

STATUS_FOR_CODE = {
    "unauthenticated": 401,
    "forbidden": 403,
    "clearance_insufficient": 403,
    "outside_scope": 403,
    "not_attendee": 403,
    "unknown_code": 404,
    "not_found": 404,
    "invalid_transition": 409,
    "not_approved": 409,
    "conflict": 409,
    "voided_label": 409,
    # Storage media (README "Storage media and devices").
    "duplicate_serial": 409,
    "level_lowered": 409,
    "storage_inside": 409,
    "medium_declassify": 409,
    "witnesses_missing": 409,
    # A person still listed by a return campaign cannot leave (docs/campaigns.md).
    "holder_has_carriers": 409,
    "invalid": 422,
    "bad_check_character": 422,
}


class ServiceError(Exception):
    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}

    @property
    def status(self) -> int:
        return STATUS_FOR_CODE.get(self.code, 400)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}
