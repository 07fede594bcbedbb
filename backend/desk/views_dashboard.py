"""The committee's dashboard: open cases, overdue carriers, counts, a carrier's timeline."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from backend.alerts.models import Alert
from backend.alerts.services import alert_acknowledge
from backend.custody.statements import statement_latest
from backend.desk import selectors, words
from backend.desk.access import DeskRequest, roles_required
from backend.desk.chart import alerts_svg
from backend.desk.common import age, listed, titles
from backend.errors import ServiceError
from backend.printing.selectors import carrier_code_for_label
from backend.registry.selectors import carrier_get
from backend.security.selectors import carrier_access_log

LEVEL_ORDER = ("top_secret", "secret", "confidential")


def _tiles(now: datetime, total: int | None = None) -> dict[str, object]:
    """The counts on the tiles, from count queries: cheap enough to poll."""
    if total is None:
        total = sum(sum(v.values()) for v in selectors.counts_by_status_and_level().values())
    return {
        "open": selectors.open_alert_count(),
        "overdue": selectors.overdue_count(now),
        "total": total,
        "checkpoint": statement_latest(),
        "by_kind": [
            {**k, "label": words.word(words.ALERT_KINDS, k["kind"]), "age": age(k["oldest"], now)}
            for k in selectors.alerts_by_kind()
        ],
        "poll": settings.CUSTOS_DASHBOARD_POLL_SECONDS,
    }


@roles_required("committee")
@require_http_methods(["GET"])
def tiles(request: DeskRequest) -> HttpResponse:
    """The tiles alone, for the dashboard to refresh without a reload."""
    return render(request, "desk/_tiles.html", {"tiles": _tiles(timezone.now())})


@roles_required("committee")
@require_http_methods(["GET"])
def dashboard(request: DeskRequest) -> HttpResponse:
    principal = request.principal
    now = timezone.now()
    alerts = selectors.open_alerts()
    overdue = selectors.overdue_carriers(now)
    known = listed(principal, [*(a.carrier for a in alerts if a.carrier is not None), *overdue])
    counts = selectors.counts_by_status_and_level()
    count_rows = [
        {
            "status": words.word(words.STATUSES, s),
            "cells": [counts.get(s, {}).get(lvl, 0) for lvl in LEVEL_ORDER],
            "total": sum(counts.get(s, {}).values()),
        }
        for s in words.STATUSES
        if s in counts
    ]
    return render(
        request,
        "desk/dashboard.html",
        {
            "tiles": _tiles(now, total=sum(sum(v.values()) for v in counts.values())),
            "alerts": [
                {
                    "alert": a,
                    "kind": words.word(words.ALERT_KINDS, a.kind),
                    "status": words.word(words.ALERT_STATUSES, a.status),
                    "age": age(a.opened_at, now),
                    "title": known.get(a.carrier_id) if a.carrier_id else None,
                }
                for a in alerts
            ],
            "overdue": [
                {
                    "carrier": c,
                    "title": known.get(c.id),
                    "status": words.word(words.STATUSES, c.status),
                    "late": age(c.due_at, now),
                }
                for c in overdue
            ],
            "levels": [words.word(words.LEVELS, lvl) for lvl in LEVEL_ORDER],
            "count_rows": count_rows,
            "chart": mark_safe(  # noqa: S308 - built from numbers, dates and escaped labels
                alerts_svg(
                    selectors.alerts_per_day(14, now),
                    opened_label=_("opened"),
                    resolved_label=_("resolved"),
                )
            ),
        },
    )


@roles_required("committee")
@require_http_methods(["POST"])
def acknowledge(request: DeskRequest, alert_id: int) -> HttpResponse:
    try:
        alert = alert_acknowledge(
            alert_id=alert_id,
            person=request.person,
            note=request.POST.get("note", ""),
        )
    except ServiceError as exc:
        if request.htmx:
            # The row again, with the reason and the form, so the note can be written now.
            current = selectors.alert_row(alert_id)
            if current is None:
                return HttpResponse(
                    f'<tr><td colspan="7" class="bad-text">{_("Not acknowledged")}: '
                    f"{escape(exc.message)}</td></tr>"
                )
            return _alert_row(request, current, error=exc.message)
        return redirect("desk:dashboard")
    if request.htmx:
        # The tiles listen for this and fetch fresh counts (one fewer unacknowledged).
        return trigger_client_event(_alert_row(request, alert), "alerts-changed")
    return redirect("desk:dashboard")


def _alert_row(request: DeskRequest, alert: Alert, error: str = "") -> HttpResponse:
    return render(
        request,
        "desk/_alert_row.html",
        {
            "row": {
                "alert": alert,
                "kind": words.word(words.ALERT_KINDS, alert.kind),
                "status": words.word(words.ALERT_STATUSES, alert.status),
                "age": age(alert.opened_at),
                "title": listed(request.principal, [alert.carrier]).get(alert.carrier.id)
                if alert.carrier
                else None,
                "error": error,
            }
        },
    )


@roles_required("committee", "approver", "registrar", "clerk")
@require_http_methods(["GET"])
def timeline(request: DeskRequest, code: str) -> HttpResponse:
    principal = request.principal
    try:
        # A scanned reprint label opens its carrier; a voided one is refused as at the desk.
        carrier = carrier_get(principal=principal, code=carrier_code_for_label(code))
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    events = selectors.carrier_timeline(carrier)
    return render(
        request,
        "desk/timeline.html",
        {
            "carrier": carrier,
            "title": titles(principal, [carrier])[carrier.id],
            "status": words.word(words.STATUSES, carrier.status),
            "level": words.word(words.LEVELS, carrier.level),
            "form": words.word(words.FORMS, carrier.form),
            "chain": selectors.chain_status(carrier, events),
            "overdue": age(carrier.due_at) if carrier.is_overdue() else "",
            "events": [{"e": e, "action": words.word(words.ACTIONS, e.action)} for e in events],
            # Reg Art. 20: who read it and when — the committee only (None for others).
            "access_log": carrier_access_log(principal=principal, carrier=carrier),
        },
    )
