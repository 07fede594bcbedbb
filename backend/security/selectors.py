"""Reads of the security app: tokens for ``custos token list``, a carrier's access log."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.registry.models import Carrier, Token
from backend.registry.principals import Principal
from backend.security.models import AccessRecord


def token_list(*, include_revoked: bool = False) -> QuerySet[Token]:
    qs = Token.objects.select_related("person", "device").order_by("created_at", "id")
    return qs if include_revoked else qs.filter(revoked_at__isnull=True)


def carrier_access_log(
    *, principal: Principal, carrier: Carrier, limit: int = 200
) -> list[AccessRecord] | None:
    """The reads of ``carrier``, newest first — for the committee only (None for anyone
    else, so a page cannot show it by mistake)."""
    if not principal.is_committee:
        return None
    return list(
        AccessRecord.objects.filter(carrier=carrier)
        .select_related("person", "device")
        .order_by("-at", "-id")[:limit]
    )
