"""The handover desk: the page a clerk keeps open all day.

The page keeps the handover being assembled (action, carriers, receiver, escort) in the
browser and posts it once on confirm; each carrier carries a scan id the page generated
when the carrier was scanned, so a second Enter or a reload resends the same ids and the
ledger answers ``duplicate`` instead of recording twice.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.campaigns.selectors import returns_noted
from backend.custody.lifecycle import Action, needs
from backend.custody.services import ScanIn, scans_ingest
from backend.desk import words
from backend.desk.access import DeskRequest, roles_required
from backend.desk.common import carrier_code_shown, close_of_business, parse_local, titles
from backend.errors import ServiceError
from backend.registry.models import Carrier, Location, Person
from backend.registry.policy import record_reads

# The desk's actions in the order of their number keys (1–9, then 10 and 11).
DESK_ACTIONS = (
    "checkout",
    "return",
    "transfer",
    "dispatch",
    "receive",
    "store",
    "repair_out",
    "repair_in",
    "inventory",
    "remove_storage",
    "install_storage",
)


def desk_needs() -> dict[str, dict[str, object]]:
    """What each desk action's scan must name, as the lifecycle table says (page data).

    The page renders this as JSON and desk.js reads it, so neither restates the table:
    ``receiver`` is "required", "optional" or "none"; ``escort`` the carrier levels that
    move only with a second person; ``from`` the states the action starts from; ``host``
    whether the first carrier scanned is the device the others go into (install_storage).
    """
    out: dict[str, dict[str, object]] = {}
    for a in DESK_ACTIONS:
        n = needs(Action(a))
        out[a] = {
            "receiver": n.receiver,
            "due": n.due,
            "escort": sorted(n.escort_levels),
            "from": sorted(n.sources),
            "host": n.host,
        }
    return out


@roles_required("clerk")
@require_http_methods(["GET"])
def handover(request: DeskRequest) -> HttpResponse:
    locations = list(Location.objects.order_by("kind", "name"))
    desks = [loc for loc in locations if loc.kind == "desk"]
    rules = desk_needs()
    return render(
        request,
        "desk/handover.html",
        {
            "actions": [
                {"key": n, "value": a, "label": words.ACTIONS[a]}
                for n, a in enumerate(DESK_ACTIONS, start=1)
            ],
            "rules": rules,
            "locations": locations,
            "default_location": desks[0].code if desks else "",
            "default_due": close_of_business().strftime("%Y-%m-%dT%H:%M"),
        },
    )


@roles_required("clerk")
@require_http_methods(["POST"])
def handover_submit(request: DeskRequest) -> HttpResponse:
    """Record the handover: one scan per carrier, one call to the ledger's ingest."""
    post = request.POST
    action = post.get("action", "")
    codes = [c.strip().upper() for c in post.getlist("carrier") if c.strip()]
    ids = post.getlist("scan_id")
    problem = None
    if action not in DESK_ACTIONS:
        problem = _("Choose an action first (keys 1–9).")
    elif not codes:
        problem = _("Scan at least one carrier.")
    elif len(ids) != len(codes):
        problem = _("The page sent an incomplete handover; reload the page.")
    if problem:
        return _banner(request, ok=False, headline=problem, rows=[], keep=codes)
    wanted = needs(Action(action))
    if wanted.receiver == "required" and not post.get("counterpart", "").strip():
        problem = _("Scan the receiver's badge before confirming.")
        return _banner(request, ok=False, headline=problem, rows=[], keep=codes)
    host = post.get("host", "").strip() or None
    if wanted.host and host is None:
        problem = _("Scan the computer or device the storage goes into first.")
        return _banner(request, ok=False, headline=problem, rows=[], keep=codes)

    due = parse_local(post.get("due_at", "")) if wanted.due else None
    scans = []
    try:
        for code, raw_id in zip(codes, ids, strict=True):
            scans.append(
                ScanIn(
                    id=uuid.UUID(raw_id),
                    action=action,
                    carrier=code,
                    counterpart=post.get("counterpart") or None,
                    escort=post.get("escort") or None,
                    location=post.get("location") or None,
                    due_at=due,
                    host=host if wanted.host else None,
                )
            )
        results = scans_ingest(scans=scans, principal=request.principal)
    except (ValueError, ServiceError) as exc:
        message = exc.message if isinstance(exc, ServiceError) else str(exc)
        return _banner(request, ok=False, headline=message, rows=[], keep=codes)

    # The banner shows each scanned code's carrier: a reprint label's code names it too.
    canonical = {code: carrier_code_shown(code) for code in codes}
    by_code = {
        c.code: c
        for c in Carrier.objects.filter(code__in=set(canonical.values())).prefetch_related("scope")
    }
    carriers = {code: by_code[canonical[code]] for code in codes if canonical[code] in by_code}
    known = titles(request.principal, carriers.values())
    # A recorded scan's ledger event is the record of this read; a refused one has none.
    outcome = zip(codes, results, strict=True)
    refused = [carriers[c] for c, r in outcome if r.error is not None and c in carriers]
    record_reads(request.principal, refused, what="list")
    badge_codes = {
        post.get("counterpart", "").strip().upper(),
        post.get("escort", "").strip().upper(),
    }
    names = dict(Person.objects.filter(code__in=badge_codes).values_list("code", "name"))
    rows = []
    keep = []
    # A badge a refusal names (a receiver not cleared, outside the scope, inactive) leaves its
    # slot, so the next badge scanned takes that slot rather than landing beside it.
    drop: set[str] = set()
    for code, result in zip(codes, results, strict=True):
        carrier = carriers.get(code)
        row: dict[str, Any] = {
            "code": code,
            "marking": carrier.marking if carrier else "",
            "title": known.get(carrier.id) if carrier else None,
            "status": result.status,
        }
        if result.event is not None:
            # The desk's receipt (CONTRACT.md): the page keeps it in the browser.
            row.update(id=str(result.id), seq=result.event.seq, hash=result.event.hash)
        if result.error is not None:
            err = result.error
            row["reason"] = words.reason(err.code, err.details, err.message, names)
            row["code_word"] = err.code
            named = str(err.details.get("person", "")).upper()
            if named and named in badge_codes:
                drop.add(named)
            keep.append(code)
        rows.append(row)
    ok = not keep
    recorded = sum(1 for r in results if r.status == "recorded")
    duplicate = sum(1 for r in results if r.status == "duplicate")
    if ok and recorded:
        headline = _("%(action)s recorded: %(n)s carrier(s).") % {
            "action": words.ACTIONS[action],
            "n": recorded + duplicate,
        }
        if names.get(post.get("counterpart", "").strip().upper()):
            headline += " " + _("Receiver: %(name)s.") % {
                "name": names[post.get("counterpart", "").strip().upper()]
            }
    elif ok:
        headline = _("Already recorded: nothing was recorded twice.")
    elif len(codes) == 1:
        headline = rows[0]["reason"]  # one carrier: the reason itself is the headline
    else:
        headline = _("Refused: %(n)s of %(total)s carrier(s). Nothing else changed for them.") % {
            "n": len(keep),
            "total": len(codes),
        }
    # A return that a 清退 campaign was waiting for: the holder's count, on the banner.
    notes = (
        returns_noted(event_ids=[r.event.id for r in results if r.status == "recorded" and r.event])
        if action == "return"
        else []
    )
    return _banner(request, ok=ok, headline=headline, rows=rows, keep=keep, drop=drop, notes=notes)


def _banner(
    request: DeskRequest,
    *,
    ok: bool,
    headline: str,
    rows: list[dict],
    keep: list[str],
    drop: set[str] | None = None,
    notes: list[Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        "desk/_banner.html",
        {
            "ok": ok,
            "headline": headline,
            "rows": rows,
            "keep": " ".join(keep),
            "drop": " ".join(sorted(drop or ())),
            "notes": notes or [],
        },
    )


@roles_required("clerk")
@require_http_methods(["GET"])
def badge(request: DeskRequest, code: str) -> HttpResponse:
    """The name on a scanned badge, so the clerk sees whom they hand over to."""
    name = (
        Person.objects.filter(code=code.strip().upper(), active=True)
        .values_list("name", flat=True)
        .first()
    )
    return HttpResponse(name or "?", content_type="text/plain; charset=utf-8")


@roles_required("clerk")
@require_http_methods(["GET"])
def carrier_level(request: DeskRequest, code: str) -> HttpResponse:
    """The level of a scanned carrier, which its label shows anyway, so the page knows
    whether the lifecycle asks for an escort before the clerk confirms."""
    level = (
        Carrier.objects.filter(code=carrier_code_shown(code.strip().upper()))
        .values_list("level", flat=True)
        .first()
    )
    return JsonResponse({"level": level or ""})
