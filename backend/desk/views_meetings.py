"""The meeting desk (会议): sign-in and issue at the door, collection at the end, close.

Issue mode: a badge scan signs the attendee in and makes them the receiver of the copies
scanned next; each copy is a ``checkout`` to them carrying the meeting's id, and the
banner counts "3 of 3 issued". Collection mode: copies scanned in any order are
``return`` scans; the board below shows, in big type for the room, who still holds what,
refreshed every two seconds and after every scan. Everything goes through
backend.meetings — the services the API calls — so a page close raises the same
``meeting_unreturned`` cases.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from backend.custody.services import ScanResult
from backend.desk import words
from backend.desk.access import DeskRequest, roles_required
from backend.desk.common import zone
from backend.errors import ServiceError
from backend.meetings import selectors, services
from backend.meetings.models import Meeting
from backend.registers.meetings import meeting_record_pdf
from backend.registry.models import Carrier, Location
from backend.registry.selectors import person_by_code

ROLES = services.ROLES  # who runs a meeting desk: the service decides, the page follows
POLL_SECONDS = 2
# At most this many scans in one request (a burst scanned while an answer was on its way).
MAX_SENT = 50


@roles_required(*ROLES)
@require_http_methods(["GET"])
def meetings(request: DeskRequest) -> HttpResponse:
    return _list(request)


def _list(request: DeskRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    rows = selectors.meetings_list(principal=request.principal)
    return render(
        request,
        "desk/meetings.html",
        {
            "open": [m for m in rows if m.status == "open"],
            "closed": [m for m in rows if m.status == "closed"],
            "locations": Location.objects.exclude(kind="destruction").order_by("kind", "name"),
            "levels": [(k, words.LEVELS[k]) for k in ("confidential", "secret", "top_secret")],
            "error": error,
        },
        status=status,
    )


def _when(raw: str) -> datetime | None:
    value = parse_datetime(raw.strip()) if raw.strip() else None
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=zone())  # typed on the page: the unit's civil time
    return value


@roles_required(*ROLES)
@require_http_methods(["POST"])
def meeting_create(request: DeskRequest) -> HttpResponse:
    """The form: title, level, place, times, copies each, and the badges of the approved
    list (scanned or typed, one per line)."""
    post = request.POST
    location = Location.objects.filter(code=post.get("location", "").strip().upper()).first()
    starts = _when(post.get("starts_at", "")) or timezone.now()
    ends = _when(post.get("ends_at", "")) or starts + timedelta(hours=2)
    try:
        if location is None:
            raise ServiceError("invalid", _("Choose the meeting's place."))
        people = [
            person_by_code(code, "attendees")
            for code in post.get("attendees", "").replace(",", " ").split()
        ]
        meeting = services.meeting_create(
            principal=request.principal,
            title=post.get("title", ""),
            level=post.get("level", ""),
            location=location,
            starts_at=starts,
            ends_at=ends,
            attendees=people,
            copies_each=int(post.get("copies_each") or 1),
        )
    except ValueError:
        return _list(request, error=_("Copies each: a whole number."), status=422)
    except ServiceError as exc:
        return _list(request, error=exc.message, status=exc.status)
    return redirect("desk:meeting", meeting_id=meeting.id)


@roles_required(*ROLES)
@require_http_methods(["GET"])
def meeting(request: DeskRequest, meeting_id: int) -> HttpResponse:
    try:
        m = selectors.meeting_get(principal=request.principal, meeting_id=meeting_id)
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    mode = "collect" if request.GET.get("mode") == "collect" or m.status != "open" else "issue"
    return render(
        request,
        "desk/meeting.html",
        {"m": m, "mode": mode, "poll": POLL_SECONDS, **_board(m, mode)},
    )


@roles_required(*ROLES)
@require_http_methods(["GET"])
def meeting_board(request: DeskRequest, meeting_id: int) -> HttpResponse:
    """The board alone, for the two-second refresh."""
    try:
        m = selectors.meeting_get(principal=request.principal, meeting_id=meeting_id)
    except ServiceError as exc:
        return HttpResponse(exc.message, status=exc.status)
    mode = "collect" if request.GET.get("mode") == "collect" else "issue"
    return render(
        request,
        "desk/_meeting_board.html",
        {"m": m, "mode": mode, "poll": POLL_SECONDS, **_board(m, mode)},
    )


@roles_required(*ROLES)
@require_http_methods(["POST"])
def meeting_scan(request: DeskRequest, meeting_id: int) -> HttpResponse:
    """What was scanned since the last answer, in order: badges (sign-in) and copies, each
    copy with the receiver the page had when it was scanned (issued to them, or
    collected). Answered with one banner — the last receiver's count, or the first
    refusal's words; the page then fetches the board (:func:`meeting_board`)."""
    post = request.POST
    mode = "collect" if post.get("mode") == "collect" else "issue"
    context: dict[str, Any] = {"ok": False, "rows": [], "keep": "", "mode": mode}
    try:
        scans = _scans(post.get("scans", ""))
        m = selectors.meeting_get(principal=request.principal, meeting_id=meeting_id)
    except ServiceError as exc:
        context["headline"] = words.reason(exc.code, exc.details, exc.message, {})
        return render(request, "desk/_meeting_scan.html", context)
    refusal = ""
    # 1. Badges, in order: each signs its attendee in (a refused one stops nothing else).
    for code, _id, _holder in scans:
        if not code.startswith("P"):
            continue
        try:
            answer = _badge(request, m, code, mode)
            context["signed"] = answer["holder"]
        except ServiceError as exc:
            answer = {"ok": False, "headline": words.reason(exc.code, exc.details, exc.message, {})}
            context["signed"] = None  # the page keeps no receiver for the next copies
        refusal = refusal or ("" if answer["ok"] else answer["headline"])
        context.update(answer)
    # 2. The copies, in one ingest batch: each to the receiver it was scanned for.
    copies = [scan for scan in scans if not scan[0].startswith("P")]
    if copies:
        try:
            answer = _copies(request, m, copies, mode)
        except ServiceError as exc:
            answer = {"ok": False, "headline": words.reason(exc.code, exc.details, exc.message, {})}
        refusal = refusal or ("" if answer["ok"] else answer["headline"])
        context.update(answer)
    context.update(ok=not refusal, headline=refusal or context.get("headline", ""))
    return render(request, "desk/_meeting_scan.html", context)


def _scans(raw: str) -> list[tuple[str, uuid.UUID, str]]:
    """The page's list of ``{code, id, holder}``; anything else is refused as a whole."""
    try:
        items = json.loads(raw)
        scans = [
            (str(x["code"]).strip().upper(), uuid.UUID(str(x["id"])), str(x.get("holder") or ""))
            for x in items
        ]
    except (ValueError, TypeError, KeyError) as exc:
        raise ServiceError("invalid", _("The page sent no scan id; reload the page.")) from exc
    if not 1 <= len(scans) <= MAX_SENT:
        raise ServiceError("invalid", _("The page sent no scan id; reload the page."))
    return scans


def _badge(request: DeskRequest, m: Meeting, code: str, mode: str) -> dict[str, Any]:
    if mode == "collect":
        raise ServiceError("invalid", _("Collecting: scan the copies, not badges."))
    person = person_by_code(code, "person")
    try:
        services.meeting_sign_in(principal=request.principal, meeting_id=m.id, person=person)
    except ServiceError as exc:
        exc.details["person"] = person.name  # the banner names them
        raise
    issued = selectors.issued_to(m, person)
    return {
        "ok": True,
        "holder": person,
        "issued": issued,
        "headline": _("%(name)s signed in: %(n)s of %(m)s issued.")
        % {"name": person.name, "n": issued, "m": m.copies_each},
    }


def _copies(
    request: DeskRequest, m: Meeting, copies: list[tuple[str, uuid.UUID, str]], mode: str
) -> dict[str, Any]:
    principal = request.principal
    codes = [code for code, _id, _holder in copies]
    if mode == "collect":
        scanned = [(code, scan_id) for code, scan_id, _holder in copies]
        results = services.meeting_collect(principal=principal, meeting_id=m.id, scanned=scanned)
        return _answer(results, codes, headline=_("%(code)s collected.") % {"code": codes[-1]})
    if not all(holder for _code, _id, holder in copies):
        raise ServiceError("invalid", _("Scan the attendee's badge first."))
    results = services.meeting_issue(principal=principal, meeting_id=m.id, issued=copies)
    holder = person_by_code(copies[-1][2], "person")
    issued = selectors.issued_to(m, holder)
    answer = _answer(
        results,
        codes,
        headline=_("%(name)s: %(n)s of %(m)s issued.")
        % {"name": holder.name, "n": issued, "m": m.copies_each},
        names={holder.code: holder.name},
    )
    answer.update(holder=holder, issued=issued)
    return answer


def _answer(
    results: list[ScanResult],
    codes: list[str],
    *,
    headline: str,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The banner: one line per copy; red with the first refusal's words if any was refused."""
    carriers = {c.code: c for c in Carrier.objects.filter(code__in=codes)}
    rows: list[dict[str, Any]] = []
    refusal = ""
    for code, result in zip(codes, results, strict=True):
        carrier = carriers.get(code)
        row: dict[str, Any] = {
            "code": code,
            "marking": carrier.marking if carrier else "",
            "status": result.status,
        }
        if carrier is not None and carrier.copy_no:
            row["title"] = _("copy %(n)s") % {"n": carrier.copy_no}
        if result.error is not None:
            err = result.error
            row["reason"] = words.reason(err.code, err.details, err.message, names or {})
            row["code_word"] = err.code
            refusal = refusal or row["reason"]
        rows.append(row)
    return {"ok": not refusal, "headline": refusal or headline, "rows": rows}


def _board(m: Meeting, mode: str) -> dict[str, Any]:
    """The room's board: every attendee with what they were issued and still hold."""
    copies = selectors.meeting_copies(m)
    holders = selectors.meeting_holders(m, copies)
    out = sum(1 for c in copies if not c.returned)
    shown = [h for h in holders if h.holding] if mode == "collect" else holders
    return {
        "holders": shown,
        "n_attendees": len(holders),
        "n_signed": sum(1 for h in holders if h.signed_in_at),
        "n_issued": len(copies),
        "n_returned": len(copies) - out,
        "n_out": out,
    }


@roles_required(*ROLES)
@require_http_methods(["POST"])
def meeting_close(request: DeskRequest, meeting_id: int) -> HttpResponse:
    try:
        services.meeting_close(
            principal=request.principal,
            meeting_id=meeting_id,
            venue=request.POST.get("venue", ""),
        )
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    return redirect("desk:meeting", meeting_id=meeting_id)


@roles_required(*ROLES)
@require_http_methods(["POST"])
def meeting_venue(request: DeskRequest, meeting_id: int) -> HttpResponse:
    """The sweep of the venue, recorded after the close when it was not with it."""
    try:
        services.meeting_venue_record(
            principal=request.principal, meeting_id=meeting_id, note=request.POST.get("venue", "")
        )
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)
    return redirect("desk:meeting", meeting_id=meeting_id)


@roles_required(*ROLES)
@require_http_methods(["GET"])
def meeting_record(request: DeskRequest, meeting_id: int) -> HttpResponseBase:
    try:
        return meeting_record_pdf(principal=request.principal, meeting_id=meeting_id)
    except ServiceError as exc:
        return render(request, "desk/error.html", {"message": exc.message}, status=exc.status)


__all__ = [
    "meeting",
    "meeting_board",
    "meeting_close",
    "meeting_create",
    "meeting_record",
    "meeting_scan",
    "meetings",
]
