"""The year's secrecy work report (年度保密工作报告) as data: what the JSON, the PDF and the
DOCX all print, assembled once from the evidence selector (``inspection.evidence``), the
findings (``inspection.findings``) and the self-inspection score (``inspection.scoring``).

Need-to-know: the report holds counts and codes only, never a title, so whoever may read
it (the committee) sees nothing a carrier's own page would hide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.inspection import evidence
from backend.inspection.evidence import Figure
from backend.inspection.findings import findings_summary
from backend.inspection.scoring import year_score
from backend.registry.principals import Principal, require_role
from backend.registry.texts import unit_name


@dataclass(frozen=True)
class AnnualReport:
    year: int
    unit: str
    generated: datetime
    by_level: dict[str, dict[str, int]]
    by_form: dict[str, dict[str, int]]
    figures: dict[str, Figure]  # REPORT_FIGURES, each with the rows it counts
    findings: dict[str, int]  # open, closed, overdue
    score: float | None  # the self-inspection score, None before one is taken
    monthly: list[tuple[int, dict[str, int]]]
    overdue_trend: list[tuple[int, int]]

    def value(self, key: str) -> int:
        return int(self.figures[key].value or 0)


# The figures the report prints (not carriers_registered / copies_made: the tables count
# those, and their rows run to the whole year's registrations).
REPORT_FIGURES = (
    "stocktakes",
    "stocktakes_with_missing",
    "overdue_cases",
    "overdue_unresolved",
    "classification_procedure",
    "classification_unreviewed",
    "annual_review",
    "destructions",
    "destruction_witnessed",
    "losses",
    "losses_reported",
)


READERS = ("committee",)
FIRST_YEAR = 2000  # a year before any ledger; later than next year is refused too


def annual_report_for(*, principal: Principal, year: int | None) -> AnnualReport:
    """The report of ``year`` (default: this year) for the committee, who read it."""
    require_role(principal, *READERS)
    this_year = timezone.localdate().year
    chosen = this_year if year is None else year
    if not FIRST_YEAR <= chosen <= this_year + 1:
        raise ServiceError(
            "invalid",
            _("The year must lie between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": this_year + 1},
            {"field": "year"},
        )
    return annual_report(chosen)


def annual_report(year: int) -> AnnualReport:
    """Everything the year's report prints, each number from one aggregate query."""
    counted = evidence.tables(year)
    return AnnualReport(
        year=year,
        unit=unit_name(),
        generated=timezone.localtime(),
        by_level=counted.by_level,
        by_form=counted.by_form,
        figures=evidence.figures(REPORT_FIGURES, year),
        findings=findings_summary(year),
        score=year_score(year),
        monthly=counted.monthly,
        overdue_trend=evidence.overdue_trend(year),
    )


def annual_json(report: AnnualReport) -> dict[str, Any]:
    """CONTRACT.md's shape (``year, by_level, stocktakes, overdue_cases, findings``) and
    the rest of the report beside it."""
    return {
        "year": report.year,
        "by_level": report.by_level,
        "stocktakes": report.value("stocktakes"),
        "overdue_cases": report.value("overdue_cases"),
        "findings": report.findings,
        "by_form": report.by_form,
        "classification": {
            "decided": report.value("classification_procedure"),
            "unreviewed": report.value("classification_unreviewed"),
            "annual_review": bool(report.figures["annual_review"].value),
            "declassified": sum(row["declassified"] for row in report.by_level.values()),
        },
        "stocktakes_with_missing": report.value("stocktakes_with_missing"),
        "overdue_unresolved": report.value("overdue_unresolved"),
        "destructions": {
            "completed": report.value("destructions"),
            "witnessed": report.value("destruction_witnessed"),
        },
        "incidents": {
            "losses": report.value("losses"),
            "reported_within_24h": report.value("losses_reported"),
            "carriers": [row.code for row in report.figures["losses"].rows],
        },
        "self_inspection": {"score": report.score},
        "monthly_movement": [{"month": m, **counts} for m, counts in report.monthly],
        "overdue_trend": [{"month": m, "open": n} for m, n in report.overdue_trend],
    }
