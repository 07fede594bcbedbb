"""Small helpers the page views share: need-to-know titles, local times."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from backend.errors import ServiceError
from backend.printing.selectors import carrier_code_for_label
from backend.registry.models import Carrier
from backend.registry.policy import may_know, record_reads
from backend.registry.principals import Principal


def zone() -> ZoneInfo:
    return ZoneInfo(settings.CUSTOS_TIME_ZONE)


def titles(principal: Principal, carriers: Iterable[Carrier]) -> dict[int, str | None]:
    """Carrier id → title, or None where the caller may not know it (policy.may_know).

    Expects ``scope`` prefetched, so a list of carriers costs no query per row.
    """
    return {
        c.id: c.title
        if may_know(principal, level=c.level, scope_codes=[p.code for p in c.scope.all()])
        else None
        for c in carriers
    }


def listed(principal: Principal, carriers: Iterable[Carrier]) -> dict[int, str | None]:
    """``titles`` for carriers a page lists, each read logged (Reg Art. 20) as a ``list`` row.

    A page that hands out a carrier's code, level and custody is a read like an API list;
    only a scan's banner is spared, its ledger event being the record of that read.
    """
    unique = list({c.id: c for c in carriers}.values())
    record_reads(principal, unique, what="list")
    return titles(principal, unique)


def carrier_code_shown(code: str) -> str:
    """The carrier a scanned code stands for (a voided or bad code: itself, for display)."""
    try:
        return carrier_code_for_label(code)
    except ServiceError:
        return code


def close_of_business(now: datetime | None = None) -> datetime:
    """Today's close of business in the unit's zone, or tomorrow's once it has passed."""
    local = (now or timezone.now()).astimezone(zone())
    hours, minutes = (int(x) for x in settings.CUSTOS_CLOSE_OF_BUSINESS.split(":"))
    due = datetime.combine(local.date(), time(hours, minutes), tzinfo=zone())
    if due <= local:
        due += timedelta(days=1)
    return due


def parse_local(value: str) -> datetime | None:
    """A ``datetime-local`` field's value, read in the unit's zone."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone())


def age(since: datetime | None, now: datetime | None = None) -> str:
    """A duration in the largest sensible unit: 3 d 4 h, 5 h 10 min, 12 min; "" without
    ``since`` (a carrier with no due time has no lateness)."""
    from django.utils.translation import gettext as _

    if since is None:
        return ""
    seconds = max(0, int(((now or timezone.now()) - since).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}
