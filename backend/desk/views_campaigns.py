"""The return campaign pages (清退): the committee opens a campaign and follows it, a bar
per holder; the returns themselves are ordinary ``return`` scans at the handover desk.

Everything goes through backend.campaigns — the services the API's ``/campaigns``
endpoints call. The progress panel refreshes itself (htmx) so it can stay on a screen.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.campaigns import selectors, services
from backend.desk.access import DeskRequest, roles_required
from backend.desk.common import parse_local
from backend.errors import ServiceError
from backend.registry.levels import Level

POLL_SECONDS = 5


@roles_required("committee")
@require_http_methods(["GET"])
def campaigns(request: DeskRequest) -> HttpResponse:
    return _list(request)


def _list(
    request: DeskRequest, *, error: str = "", status: int = 200, form: dict | None = None
) -> HttpResponse:
    return render(
        request,
        "desk/campaigns.html",
        {
            "campaigns": selectors.campaigns_list(principal=request.principal),
            "levels": Level.choices,
            "error": error,
            "form": form or {},
        },
        status=status,
    )


def _day(value: str) -> date | None:
    value = value.strip()
    return date.fromisoformat(value) if value else None


@roles_required("committee")
@require_http_methods(["POST"])
def campaign_open(request: DeskRequest) -> HttpResponse:
    post = request.POST
    # The explicit list is scanned into the text area: one code a line (a wedge scanner
    # ends each with Enter), or separated by spaces or commas.
    listed = post.get("carriers", "").replace(",", " ").split()
    deadline = parse_local(post.get("deadline", ""))
    try:
        if deadline is None:
            raise ServiceError("invalid", _("Give the deadline."), {"field": "deadline"})
        criteria = services.Criteria(
            carriers=listed or None,
            issuing_unit=post.get("issuing_unit", "").strip() or None,
            level=post.get("level", "") or None,
            registered_from=_day(post.get("registered_from", "")),
            registered_to=_day(post.get("registered_to", "")),
        )
        campaign = services.campaign_open(
            principal=request.principal,
            title=post.get("title", ""),
            deadline=deadline,
            criteria=criteria,
        )
    except ValueError:
        return _list(request, error=_("A date is not a date."), status=422, form=post.dict())
    except ServiceError as exc:
        return _list(request, error=exc.message, status=exc.status, form=post.dict())
    return redirect("desk:campaign", campaign_id=campaign.id)


def _progress(request: DeskRequest, campaign_id: int, template: str) -> HttpResponse:
    try:
        progress = selectors.campaign_progress(
            principal=request.principal, campaign_id=campaign_id, now=timezone.now()
        )
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    return render(request, template, {"p": progress, "poll": POLL_SECONDS})


@roles_required("committee")
@require_http_methods(["GET"])
def campaign(request: DeskRequest, campaign_id: int) -> HttpResponse:
    return _progress(request, campaign_id, "desk/campaign.html")


@roles_required("committee")
@require_http_methods(["GET"])
def campaign_panel(request: DeskRequest, campaign_id: int) -> HttpResponse:
    return _progress(request, campaign_id, "desk/_campaign_progress.html")


@roles_required("committee")
@require_http_methods(["POST"])
def campaign_close(request: DeskRequest, campaign_id: int) -> HttpResponse:
    try:
        services.campaign_close(principal=request.principal, campaign_id=campaign_id)
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    return redirect("desk:campaign", campaign_id=campaign_id)
