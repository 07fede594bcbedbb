"""The one NinjaAPI: every app's router mounted under /api/v1."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from backend.alerts.api import router as alerts_router
from backend.api import errors
from backend.api.auth import TokenAuth
from backend.api.health import router as health_router
from backend.campaigns.api import router as campaigns_router
from backend.carryouts.api import router as carryouts_router
from backend.classification.api import router as classification_router
from backend.custody.api import router as custody_router
from backend.inspection.api import router as inspection_router
from backend.inspection.api_reports import router as reports_router
from backend.inventory.api import router as inventory_router
from backend.meetings.api import router as meetings_router
from backend.printing.api import router as printing_router
from backend.registers.api import router as registers_router
from backend.registry.api import router as registry_router
from backend.security import ratelimit


class Utf8JSONRenderer(JSONRenderer):
    """Chinese stays readable in answers (and a byte search of a body means something)."""

    media_type = "application/json"  # ninja appends "; charset=utf-8" itself
    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=Utf8JSONRenderer(),
    title="Custos API",
    version="1",
    description=(
        "Custody of classified information carriers (涉密载体). Errors always have the shape "
        '`{"error": {"code", "message", "details"}}`; see CONTRACT.md.'
    ),
    auth=TokenAuth(),
    urls_namespace="api-v1",
    throttle=[ratelimit.TokenRateThrottle()],  # 429 rate_limited (docs/security.md)
)
errors.install(api)
ratelimit.install(api)
api.add_router("", health_router)
api.add_router("", registry_router)
api.add_router("", custody_router)
api.add_router("", alerts_router)
api.add_router("", printing_router)
api.add_router("", classification_router)
api.add_router("", registers_router)
api.add_router("", inventory_router)
api.add_router("", campaigns_router)
api.add_router("", inspection_router)
api.add_router("", reports_router)
api.add_router("", carryouts_router)
api.add_router("", meetings_router)
