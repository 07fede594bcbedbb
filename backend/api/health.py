from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from backend.api.probes import broker_ok, database_ok
from backend.schemas import HealthOut

router = Router(tags=["health"])


@router.get("/health", auth=None, response=HealthOut)
def health(request: HttpRequest) -> dict[str, Any]:
    return {
        "status": "ok",
        "database": "ok" if database_ok() else "down",
        "broker": "ok" if broker_ok() else "down",
    }
