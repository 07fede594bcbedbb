"""The default checklist filled from a scripted year of the demo unit: every automatic
item's figure equals an independent count of the ledger in plain SQL, and a figure that
drifts from the ledger — or a ledger that drifts from the script — fails the comparison."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.db import connection, transaction

from backend.inspection import evidence
from backend.inspection.checklist import DEFAULT, self_inspection_start
from backend.inspection.evidence import Figure
from backend.inspection.models import MANUAL
from backend.inspection.scoring import checklist_filled, year_score
from backend.registry.principals import Principal
from tests.inspection.scripted_year import YEAR, ZONE, Unit, script_year

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
START, END = datetime(YEAR, 1, 1, tzinfo=ZONE), datetime(YEAR + 1, 1, 1, tzinfo=ZONE)
OVERDUE = (
    "'overdue_return', 'overdue_repair', 'transit_overdue', 'destruction_overdue', "
    "'carry_out_overdue', 'meeting_unreturned', 'campaign_overdue'"
)
EVENTS = "FROM custody_event e WHERE e.occurred_at >= %(start)s AND e.occurred_at < %(end)s"
WITNESSED = (
    "(SELECT count(DISTINCT w.counterpart_id) FROM custody_event w WHERE w.carrier_id = "
    "e.carrier_id AND w.action = 'destroy_witness' AND w.seq < e.seq) >= 2"
)
# The ledger counted by hand, one statement per figure: what the checklist must show.
SQL = {
    "carriers_registered": f"SELECT count(*) {EVENTS} AND e.action = 'register'",
    "stocktakes": "SELECT count(*) FROM inventory_stocktake "
    "WHERE closed_at >= %(start)s AND closed_at < %(end)s",
    "stocktakes_with_missing": "SELECT count(*) FROM inventory_stocktake WHERE closed_at >= "
    "%(start)s AND closed_at < %(end)s AND jsonb_array_length(missing) > 0",
    "overdue_cases": f"SELECT count(*) FROM alerts_alert WHERE kind IN ({OVERDUE}) "
    "AND opened_at >= %(start)s AND opened_at < %(end)s",
    "overdue_unresolved": f"SELECT count(*) FROM alerts_alert WHERE kind IN ({OVERDUE}) "
    "AND opened_at >= %(start)s AND opened_at < %(end)s "
    "AND (resolved_at IS NULL OR resolved_at >= %(end)s)",
    "classification_procedure": "SELECT count(*) FROM classification_case WHERE decided_at "
    ">= %(start)s AND decided_at < %(end)s AND NOT automatic",
    "classification_unreviewed": "SELECT count(*) FROM classification_case WHERE decided_at "
    ">= %(start)s AND decided_at < %(end)s AND NOT automatic AND reviewed_by_id IS NULL",
    "annual_review": "SELECT (count(*) > 0)::int FROM classification_case WHERE decided_at "
    ">= %(start)s AND decided_at < %(end)s AND NOT automatic "
    "AND kind IN ('change', 'declassify')",
    "destructions": f"SELECT count(*) {EVENTS} AND e.action = 'destroy'",
    "destruction_witnessed": f"SELECT count(*) {EVENTS} AND e.action = 'destroy' AND {WITNESSED}",
    "losses": f"SELECT count(*) {EVENTS} AND e.action = 'report_lost'",
    "losses_reported": f"SELECT count(*) {EVENTS} AND e.action = 'report_lost' AND EXISTS "
    "(SELECT 1 FROM classification_lossreport r WHERE r.carrier_id = e.carrier_id AND "
    "r.reported_at >= e.occurred_at AND r.reported_at <= e.occurred_at + interval '24 hours')",
}
# What the script did (tests/inspection/year.py).
SCRIPTED = {
    "carriers_registered": 300,
    "stocktakes": 4,
    "stocktakes_with_missing": 1,
    "overdue_cases": 6,
    "overdue_unresolved": 1,
    "classification_procedure": 3,
    "classification_unreviewed": 0,
    "annual_review": 1,
    "destructions": 2,
    "destruction_witnessed": 2,
    "losses": 1,
    "losses_reported": 1,
}


@pytest.fixture(scope="module")
def year(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Unit]:
    """The year, built once for the module inside a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            unit = script_year()
            self_inspection_start(principal=Principal(person=unit.committee), year=YEAR)
            yield unit
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def counted(key: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(SQL[key], {"start": START, "end": END})
        return int(cursor.fetchone()[0])


def value(figure: Figure) -> int:
    return int(figure.value) if figure.value is not None else -1


def drift() -> dict[str, tuple[int, int]]:
    """Every automatic figure of the filled checklist against its SQL count; the keys
    whose two numbers differ, with (figure, count)."""
    filled = checklist_filled(year=YEAR)
    assert filled is not None
    figures = {f.figure.key: f.figure for f in filled.items if f.figure is not None}
    figures |= {f.of_figure.key: f.of_figure for f in filled.items if f.of_figure is not None}
    assert set(figures) <= set(SQL), set(figures) - set(SQL)
    pairs = {key: (value(fig), counted(key)) for key, fig in figures.items()}
    return {key: pair for key, pair in pairs.items() if pair[0] != pair[1]}


def test_every_automatic_item_equals_its_count_in_plain_sql(year: Unit) -> None:
    automatic = [row for row in DEFAULT if row[3] != MANUAL]
    filled = checklist_filled(year=YEAR)
    assert filled is not None
    assert len([f for f in filled.items if f.figure is not None]) == len(automatic) == 9
    assert drift() == {}
    # And the ledger holds what the script did.
    assert {key: counted(key) for key in SCRIPTED} == SCRIPTED


def test_every_figure_links_to_the_rows_it_counts(year: Unit) -> None:
    filled = checklist_filled(year=YEAR)
    assert filled is not None
    for item in filled.items:
        if item.figure is None or isinstance(item.figure.value, bool):
            continue
        assert len(item.figure.rows) == item.figure.value, item.figure.key
        assert all(r.code for r in item.figure.rows), item.figure.key
    stocktakes = evidence.figure("stocktakes", YEAR)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM inventory_stocktake WHERE closed_at >= %s AND closed_at < %s",
            [START, END],
        )
        assert {r.id for r in stocktakes.rows} == {row[0] for row in cursor.fetchall()}
    lost = evidence.figure("losses_reported", YEAR)
    assert [r.code for r in lost.rows] == [year.carriers[7].code]


def test_the_year_scores_by_the_weights(year: Unit) -> None:
    filled = checklist_filled(year=YEAR)
    assert filled is not None
    met = {f.item.evidence: f.meets for f in filled.items if f.figure is not None}
    # Six overdue cases, one still open at the year's end, one stocktake with a carrier
    # missing: those three items fail; the others hold.
    assert [k for k, ok in met.items() if not ok] == [
        "stocktakes_with_missing",
        "overdue_cases",
        "overdue_unresolved",
    ]
    # 9 automatic items weigh 65, of which 50 are met; the 8 manual (40) are unanswered.
    assert year_score(YEAR) == round(50 / 105 * 100, 1)
    assert year_score(YEAR - 1) is None


def test_a_figure_that_drifts_from_the_ledger_fails_the_comparison(
    year: Unit, monkeypatch: pytest.MonkeyPatch
) -> None:
    what, honest = evidence.FIGURES["stocktakes"]

    def one_more(y: int) -> Figure:
        right = honest(y)
        return Figure(right.key, int(right.value or 0) + 1, right.rows)

    monkeypatch.setitem(evidence.FIGURES, "stocktakes", (what, one_more))
    assert drift() == {"stocktakes": (5, 4)}


def test_a_ledger_that_drifts_from_the_script_fails_the_comparison(year: Unit) -> None:
    with connection.cursor() as cursor:  # one stocktake moved into the year before
        cursor.execute(
            "UPDATE inventory_stocktake SET closed_at = closed_at - interval '1 year' "
            "WHERE id = (SELECT min(id) FROM inventory_stocktake)"
        )
    assert drift() == {}  # the checklist follows the ledger …
    counts = {key: counted(key) for key in SCRIPTED}
    assert counts != SCRIPTED and counts["stocktakes"] == 3  # … and the script sees it
