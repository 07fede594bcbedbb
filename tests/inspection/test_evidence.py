"""backend/inspection/evidence.py: every number of a scripted year equals an independent
plain-SQL count of the ledger, the 定密 register, the stocktakes and the cases."""

from __future__ import annotations

from typing import Any

import pytest

from backend.inspection import evidence
from tests.inspection.year import END, START, YEAR, ingest, script_year, sql, sql_statistics

pytestmark = pytest.mark.django_db


def _table_matches(table: dict[str, dict[str, int]], by: str) -> None:
    expected = sql_statistics(by)
    for group, counts in table.items():
        for stat, value in counts.items():
            assert value == expected.get((group, stat), 0), (group, stat)
    assert sum(expected.values()) == sum(sum(c.values()) for c in table.values())


def test_the_statistics_by_level_and_by_form_equal_plain_sql_counts(
    unit: Any, make_carrier: Any
) -> None:
    script_year(unit, make_carrier)
    by_level = evidence.statistics(YEAR)
    assert set(by_level) == {"top_secret", "secret", "confidential"}
    _table_matches(by_level, "level")
    _table_matches(evidence.statistics_by_form(YEAR), "form")
    # The year is the unit's: 00:30 on 1 January in Shanghai counts, 23:30 the night before
    # does not; and the scripted year did produce every kind of number.
    assert by_level["confidential"]["registered"] == 4  # new year's + 3 in the months
    assert by_level["secret"] == {
        "registered": 5,
        "copied": 1,
        "checked_out": 4,
        "returned": 4,
        "dispatched": 0,
        "received": 0,
        "destroyed": 1,
        "lost": 0,
        "declassified": 1,
    }


def test_a_figure_that_drifts_from_the_ledger_fails_the_comparison(
    unit: Any, make_carrier: Any
) -> None:
    made = script_year(unit, make_carrier)
    before = evidence.statistics(YEAR)
    ingest(unit.clerk, "checkout", made["carriers"][1], counterpart=unit.reader, location=unit.desk)
    with pytest.raises(AssertionError):  # the old numbers no longer match the ledger
        _table_matches(before, "level")
    _table_matches(evidence.statistics(YEAR), "level")


def test_each_figure_counts_its_rows_and_they_are_what_sql_finds(
    unit: Any, make_carrier: Any
) -> None:
    made = script_year(unit, make_carrier)
    c = made["carriers"]

    def codes(key: str) -> list[str]:
        f = evidence.figure(key, YEAR)
        assert f.value in (len(f.rows), bool(f.rows))
        return [row.code for row in f.rows]

    registered = sql(
        "SELECT c.code FROM custody_event e JOIN registry_carrier c ON c.id = e.carrier_id "
        "WHERE e.action = 'register' AND e.occurred_at >= %s AND e.occurred_at < %s",
        START,
        END,
    )
    assert sorted(codes("carriers_registered")) == sorted(r[0] for r in registered)
    assert codes("copies_made") == [made["copy"].code]
    stocktakes = sql(
        "SELECT count(*) FROM inventory_stocktake WHERE closed_at >= %s AND closed_at < %s",
        START,
        END,
    )[0][0]
    assert len(codes("stocktakes")) == stocktakes == 2
    assert evidence.figure("stocktakes_with_missing", YEAR).value == 1
    overdue = sql(
        "SELECT count(*) FROM alerts_alert WHERE kind = 'overdue_return' "
        "AND opened_at >= %s AND opened_at < %s",
        START,
        END,
    )[0][0]
    assert len(codes("overdue_cases")) == overdue == 3
    assert codes("overdue_unresolved") == [c[2].code, c[7].code]
    assert codes("destructions") == codes("destruction_witnessed") == [c[6].code]
    assert codes("losses") == codes("losses_reported") == [c[3].code]
    assert codes("classification_procedure") == [c[5].code]
    assert evidence.figure("classification_unreviewed", YEAR).value == 0
    assert evidence.figure("annual_review", YEAR).value is True
    assert evidence.figure("annual_review", YEAR - 1).value is False
    # Need-to-know: the rows carry codes, never a title.
    assert all(row.code.startswith("C") for row in evidence.figure("losses", YEAR).rows)


def test_the_charts_data_follow_the_months_and_the_open_cases(unit: Any, make_carrier: Any) -> None:
    script_year(unit, make_carrier)
    months = dict(evidence.monthly_movement(YEAR))
    assert months[4]["checkout"] == 2 and months[4]["return"] == 2
    assert months[1]["register"] == 1  # the carrier registered at 00:30 on 1 January
    assert sum(m["checkout"] for m in months.values()) == 6
    trend = dict(evidence.overdue_trend(YEAR))
    # open at each month's end: last year's case until February, c1 in March, c2 from May,
    # c7 from November.
    assert trend == {1: 1, 2: 0, 3: 1, 4: 0, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1, 11: 2, 12: 2}


def test_an_unknown_figure_is_refused() -> None:
    with pytest.raises(KeyError):
        evidence.figure("training_sessions", YEAR)
