"""The evidence a year of the ledger gives: the one selector the checklist and the report share.

Every figure of the self-inspection checklist and every number of the annual report comes
from here, so the page, the JSON, the PDF and the DOCX cannot disagree. All functions take
the unit's calendar year: 1 January 00:00 to the next 1 January in the unit's time zone
(``settings.TIME_ZONE``).

Counts are set-based (one aggregate query per table), never a Python loop over rows: the
report runs over 100,000 carriers and 1,000,000 events in seconds (``make bench
BENCH=annual``). A :class:`Figure` also carries the rows it counts, as :class:`RowRef`
(kind, id, code) — codes only, never a title, so a page can link each number to its rows
and need-to-know holds (a title is shown only where ``registry.policy`` lets its reader
see it).

What counts as what (the ledger is the source):

- ``registered``: ``register`` events (every new carrier, copies included); ``copied``: the
  ``register`` events of carriers that have a parent (a copy or an extract);
- ``checked_out`` / ``returned`` / ``dispatched`` / ``received`` / ``destroyed`` /
  ``lost``: the ``checkout`` / ``return`` / ``dispatch`` / ``receive`` / ``destroy`` /
  ``report_lost`` events;
- ``declassified``: 定密 rounds of kind ``declassify`` decided (approved, amended, or by the
  period's end) in the year — the classification decision register;
- events count at their ``occurred_at`` (the scanner's clock: when it happened), under the
  carrier's level and form as they stand now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils.translation import gettext_noop

from backend.alerts.models import Alert
from backend.classification.models import Case, CaseKind, LossReport
from backend.custody.models import CustodyEvent
from backend.inventory.models import Stocktake
from backend.registry.levels import Form, Level

STATISTICS = (
    "registered",
    "copied",
    "checked_out",
    "returned",
    "dispatched",
    "received",
    "destroyed",
    "lost",
    "declassified",
)
# The ledger action each event statistic counts ("copied" and "declassified" are apart).
ACTION_OF = {
    "registered": "register",
    "checked_out": "checkout",
    "returned": "return",
    "dispatched": "dispatch",
    "received": "receive",
    "destroyed": "destroy",
    "lost": "report_lost",
}
STAT_OF = {action: stat for stat, action in ACTION_OF.items()}
LEVELS = tuple(Level.values)  # top_secret, secret, confidential
FORMS = tuple(Form.values)
# The movements the monthly chart draws.
MOVEMENTS = ("register", "checkout", "return", "dispatch", "receive", "destroy")
# The cases that mean "a carrier was not back, or not done, in time".
OVERDUE_KINDS = (
    "overdue_return",
    "overdue_repair",
    "transit_overdue",
    "destruction_overdue",
    "carry_out_overdue",
    "meeting_unreturned",
    "campaign_overdue",
)
DECIDED = ("approved", "amended")


@dataclass(frozen=True)
class RowRef:
    """One row behind a figure. ``kind`` is carrier, event, stocktake, alert, case,
    destruction or loss; for destruction and loss (ledger events) ``id`` is the carrier's id
    and ``code`` its code; for the others ``code`` is the carrier's (or, for a stocktake,
    the location's) code."""

    kind: str
    id: int
    code: str


@dataclass(frozen=True)
class Figure:
    key: str
    value: int | bool | None
    rows: tuple[RowRef, ...]


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """[1 January of ``year``, 1 January of the next) in the unit's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _events(year: int) -> QuerySet[CustodyEvent]:
    start, end = year_bounds(year)
    return CustodyEvent.objects.filter(occurred_at__gte=start, occurred_at__lt=end)


def _declassified(year: int) -> QuerySet[Case]:
    start, end = year_bounds(year)
    return Case.objects.filter(
        kind=CaseKind.DECLASSIFY, state__in=DECIDED, decided_at__gte=start, decided_at__lt=end
    )


@dataclass(frozen=True)
class Tables:
    """The year's statistics by level and by form, and its monthly movement."""

    by_level: dict[str, dict[str, int]]
    by_form: dict[str, dict[str, int]]
    monthly: list[tuple[int, dict[str, int]]]


def tables(year: int) -> Tables:
    """The three tables from three aggregate queries: the year's events by the carrier's
    level and form and by action (a hundred groups); the events by action and month
    (without the join: the month is the event's own); the year's declassifications.

    Why not one query grouped by level, form, action and month: PostgreSQL cannot know how
    few months there are, expects half a million groups and sorts a million rows on disk
    (5 s for 1M events where the two queries take 2.5 s)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    by_level = {key: dict.fromkeys(STATISTICS, 0) for key in LEVELS}
    by_form = {key: dict.fromkeys(STATISTICS, 0) for key in FORMS}
    months = {m: dict.fromkeys(MOVEMENTS, 0) for m in range(1, 13)}
    counted = _events(year).filter(action__in=tuple(ACTION_OF.values()))
    rows = (
        counted.values(lvl=F("carrier__level"), frm=F("carrier__form"), act=F("action"))
        .annotate(
            n=Count("pk"),
            copies=Count("pk", filter=Q(action="register", carrier__parent__isnull=False)),
        )
        .order_by()
    )
    for row in rows:
        stat = STAT_OF[row["act"]]
        for table, key in ((by_level, row["lvl"]), (by_form, row["frm"])):
            counts = table.setdefault(key, dict.fromkeys(STATISTICS, 0))
            counts[stat] += row["n"]
            counts["copied"] += row["copies"]
    monthly = (
        counted.filter(action__in=MOVEMENTS)
        .values(month=ExtractMonth("occurred_at", tzinfo=zone), act=F("action"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in monthly:
        months[row["month"]][row["act"]] = row["n"]
    declassified = (
        _declassified(year)
        .values(lvl=F("carrier__level"), frm=F("carrier__form"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in declassified:
        by_level.setdefault(row["lvl"], dict.fromkeys(STATISTICS, 0))["declassified"] += row["n"]
        by_form.setdefault(row["frm"], dict.fromkeys(STATISTICS, 0))["declassified"] += row["n"]
    return Tables(by_level, by_form, sorted(months.items()))


def statistics(year: int) -> dict[str, dict[str, int]]:
    """By level (top_secret, secret, confidential): registered, copied, checked_out,
    returned, dispatched, received, destroyed, lost, declassified — CONTRACT.md's shape."""
    return tables(year).by_level


def statistics_by_form(year: int) -> dict[str, dict[str, int]]:
    """The same counts by carrier form (paper, magnetic, optical, electronic, device)."""
    return tables(year).by_form


def monthly_movement(year: int) -> list[tuple[int, dict[str, int]]]:
    """For each month 1-12, the number of each movement (MOVEMENTS) in it."""
    return tables(year).monthly


def overdue_trend(year: int) -> list[tuple[int, int]]:
    """For each month 1-12, the overdue cases open at the month's end (or now, for a month
    not yet over): one query, one conditional count per month."""
    zone = ZoneInfo(settings.TIME_ZONE)
    ends = [
        datetime(year + (m == 12), m % 12 + 1, 1, tzinfo=zone) for m in range(1, 13)
    ]  # the first instant after each month
    counts = Alert.objects.filter(kind__in=OVERDUE_KINDS).aggregate(
        **{
            f"m{i}": Count(
                "pk",
                filter=Q(opened_at__lt=end)
                & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=end)),
            )
            for i, end in enumerate(ends, start=1)
        }
    )
    return [(m, counts[f"m{m}"]) for m in range(1, 13)]


# --- figures: a number and the rows it counts ---------------------------------------------


def _carrier_rows(kind: str, qs: QuerySet[CustodyEvent]) -> tuple[RowRef, ...]:
    return tuple(
        RowRef(kind, pk, code)
        for pk, code in qs.order_by("occurred_at", "carrier_id").values_list(
            "carrier_id", "carrier__code"
        )
    )


def _counted(key: str, rows: tuple[RowRef, ...]) -> Figure:
    return Figure(key, len(rows), rows)


def _carriers_registered(year: int) -> Figure:
    events = _events(year).filter(action="register")
    return _counted("carriers_registered", _carrier_rows("carrier", events))


def _copies_made(year: int) -> Figure:
    events = _events(year).filter(action="register", carrier__parent__isnull=False)
    return _counted("copies_made", _carrier_rows("carrier", events))


def _stocktakes(year: int) -> Figure:
    start, end = year_bounds(year)
    rows = (
        Stocktake.objects.filter(closed_at__gte=start, closed_at__lt=end)
        .order_by("closed_at", "pk")
        .values_list("pk", "location__code")
    )
    return _counted("stocktakes", tuple(RowRef("stocktake", pk, code) for pk, code in rows))


def _stocktakes_with_missing(year: int) -> Figure:
    start, end = year_bounds(year)
    rows = (
        Stocktake.objects.filter(closed_at__gte=start, closed_at__lt=end)
        .exclude(missing=[])
        .order_by("closed_at", "pk")
        .values_list("pk", "location__code")
    )
    return _counted(
        "stocktakes_with_missing", tuple(RowRef("stocktake", pk, code) for pk, code in rows)
    )


def _overdue_alerts(year: int) -> QuerySet[Alert]:
    start, end = year_bounds(year)
    return Alert.objects.filter(kind__in=OVERDUE_KINDS, opened_at__gte=start, opened_at__lt=end)


def _alert_rows(qs: QuerySet[Alert]) -> tuple[RowRef, ...]:
    rows = qs.order_by("opened_at", "pk").values_list("pk", "carrier__code")
    return tuple(RowRef("alert", pk, code or "") for pk, code in rows)


def _overdue_cases(year: int) -> Figure:
    return _counted("overdue_cases", _alert_rows(_overdue_alerts(year)))


def _overdue_unresolved(year: int) -> Figure:
    _, end = year_bounds(year)
    qs = _overdue_alerts(year).filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))
    return _counted("overdue_unresolved", _alert_rows(qs))


def _decided_cases(year: int) -> QuerySet[Case]:
    start, end = year_bounds(year)
    return Case.objects.filter(decided_at__gte=start, decided_at__lt=end, automatic=False)


def _case_rows(qs: QuerySet[Case]) -> tuple[RowRef, ...]:
    rows = qs.order_by("decided_at", "pk").values_list("pk", "carrier__code")
    return tuple(RowRef("case", pk, code) for pk, code in rows)


def _classification_procedure(year: int) -> Figure:
    return _counted("classification_procedure", _case_rows(_decided_cases(year)))


def _classification_unreviewed(year: int) -> Figure:
    qs = _decided_cases(year).filter(reviewed_by__isnull=True)
    return _counted("classification_unreviewed", _case_rows(qs))


def _annual_review(year: int) -> Figure:
    """年度定密审核: done when at least one change or declassification round over existing
    secrets was decided in the year (an extension, a change, a declassification)."""
    qs = _decided_cases(year).filter(kind__in=(CaseKind.CHANGE, CaseKind.DECLASSIFY))
    rows = _case_rows(qs)
    return Figure("annual_review", bool(rows), rows)


INCIDENT_KEYS = ("destructions", "destruction_witnessed", "losses", "losses_reported")
CHUNK = 20_000  # carrier ids per IN list (PostgreSQL hashes a long one)


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]


def incidents(year: int) -> dict[str, Figure]:
    """The four figures of destructions and losses from one pass over the year's events
    (its ``destroy`` and ``report_lost`` scans) and lookups by carrier through the events'
    and loss reports' carrier indexes — not one pass over the events per figure.

    - ``destructions`` / ``losses``: the ``destroy`` / ``report_lost`` scans of the year;
    - ``destruction_witnessed``: destructions with two or more distinct witnesses scanned
      (Reg Art. 28) — a witness is scanned only while the carrier awaits destruction, so
      every one counted came before it;
    - ``losses_reported``: losses with a written report filed within
      ``CUSTOS_LOSS_REPORT_HOURS`` (24 h) of the ``report_lost`` scan (Reg Art. 61).
    """
    rows = list(
        _events(year)
        .filter(action__in=("destroy", "report_lost"))
        .order_by("occurred_at", "carrier_id")
        .values_list("carrier_id", "carrier__code", "action", "occurred_at")
    )
    destroyed = [(pk, code) for pk, code, action, _ in rows if action == "destroy"]
    lost = [(pk, code, at) for pk, code, action, at in rows if action == "report_lost"]
    witnessed: set[int] = set()
    for chunk in _chunks([pk for pk, _ in destroyed]):
        witnessed.update(
            CustodyEvent.objects.filter(action="destroy_witness", carrier_id__in=chunk)
            .values("carrier_id")
            .annotate(n=Count("counterpart_id", distinct=True))
            .filter(n__gte=2)
            .values_list("carrier_id", flat=True)
        )
    reports: dict[int, list[datetime]] = {}
    for chunk in _chunks([pk for pk, _, _ in lost]):
        for pk, at in LossReport.objects.filter(carrier_id__in=chunk).values_list(
            "carrier_id", "reported_at"
        ):
            reports.setdefault(pk, []).append(at)
    hours = timedelta(hours=settings.CUSTOS_LOSS_REPORT_HOURS)
    in_time = [
        (pk, code)
        for pk, code, at in lost
        if any(at <= reported <= at + hours for reported in reports.get(pk, []))
    ]
    return {
        "destructions": _counted(
            "destructions", tuple(RowRef("destruction", pk, code) for pk, code in destroyed)
        ),
        "destruction_witnessed": _counted(
            "destruction_witnessed",
            tuple(RowRef("destruction", pk, code) for pk, code in destroyed if pk in witnessed),
        ),
        "losses": _counted("losses", tuple(RowRef("loss", pk, code) for pk, code, _ in lost)),
        "losses_reported": _counted(
            "losses_reported", tuple(RowRef("loss", pk, code) for pk, code in in_time)
        ),
    }


def _incident(key: str) -> Callable[[int], Figure]:
    return lambda year: incidents(year)[key]


FIGURES: dict[str, tuple[str, Callable[[int], Figure]]] = {
    "carriers_registered": (gettext_noop("Carriers registered in the year"), _carriers_registered),
    "copies_made": (gettext_noop("Copies and extracts registered in the year"), _copies_made),
    "stocktakes": (gettext_noop("Stocktakes closed in the year"), _stocktakes),
    "stocktakes_with_missing": (
        gettext_noop("Stocktakes closed in the year that found carriers missing"),
        _stocktakes_with_missing,
    ),
    "overdue_cases": (gettext_noop("Overdue cases opened in the year"), _overdue_cases),
    "overdue_unresolved": (
        gettext_noop("Overdue cases opened in the year still open at its end"),
        _overdue_unresolved,
    ),
    "classification_procedure": (
        gettext_noop("Classification decisions taken in the year (handler, reviewer, approver)"),
        _classification_procedure,
    ),
    "classification_unreviewed": (
        gettext_noop("Classification decisions taken in the year without a review"),
        _classification_unreviewed,
    ),
    "annual_review": (
        gettext_noop(
            "Annual review of classifications done (a change or declassification decided)"
        ),
        _annual_review,
    ),
    "destructions": (gettext_noop("Destructions completed in the year"), _incident("destructions")),
    "destruction_witnessed": (
        gettext_noop("Destructions in the year witnessed by at least two people"),
        _incident("destruction_witnessed"),
    ),
    "losses": (gettext_noop("Carriers reported lost in the year"), _incident("losses")),
    "losses_reported": (
        gettext_noop("Losses in the year reported in writing within 24 hours"),
        _incident("losses_reported"),
    ),
}
# What each figure answers, in English; marked for translation, translated where shown.
FIGURE_KEYS: dict[str, str] = {key: what for key, (what, _) in FIGURES.items()}


def figures(keys: tuple[str, ...], year: int) -> dict[str, Figure]:
    """Several figures at once: the destruction and loss figures share one pass."""
    wanted = [key for key in keys if key not in INCIDENT_KEYS]
    out = {key: figure(key, year) for key in wanted}
    if any(key in INCIDENT_KEYS for key in keys):
        shared = incidents(year)
        out.update({key: shared[key] for key in keys if key in INCIDENT_KEYS})
    return {key: out[key] for key in keys}


def figure(key: str, year: int) -> Figure:
    """The figure ``key`` (one of FIGURE_KEYS) for ``year``, with the rows it counts."""
    if key not in FIGURES:
        raise KeyError(key)
    return FIGURES[key][1](year)
