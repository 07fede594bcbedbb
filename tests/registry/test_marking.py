from __future__ import annotations

from datetime import date

import pytest

from backend.registry.marking import Period, marking


@pytest.mark.parametrize(
    ("level", "period", "expected"),
    [
        ("secret", Period(years=10), "机密★10年"),
        ("confidential", Period(months=6), "秘密★6个月"),
        ("confidential", Period(days=30), "秘密★30天"),
        ("top_secret", Period(until=date(2031, 12, 31)), "绝密★2031年12月31日"),
        ("confidential", Period(condition="项目验收后"), "秘密★项目验收后"),
    ],
)
def test_it_writes_the_legal_marking(level: str, period: Period, expected: str) -> None:
    assert marking(level, period) == expected


@pytest.mark.parametrize(
    ("level", "expected"),
    [("top_secret", "绝密★30年"), ("secret", "机密★20年"), ("confidential", "秘密★10年")],
)
def test_a_period_with_no_value_takes_the_level_default(level: str, expected: str) -> None:
    assert marking(level, Period()) == expected
