"""One word for one state: the pages (backend/desk/words.py in Chinese) and the stored
choices the registers, reports and XLSX print (issue 19: 借阅中 on a page, 借阅 in the
XLSX was two words for one state)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from backend.alerts.models import AlertKind, AlertStatus
from backend.desk import words
from backend.registry.levels import Form, Level
from backend.registry.models import Status


@pytest.mark.parametrize(
    ("table", "choices"),
    [
        (words.STATUSES, Status),
        (words.FORMS, Form),
        (words.LEVELS, Level),
        (words.ALERT_KINDS, AlertKind),
        (words.ALERT_STATUSES, AlertStatus),
    ],
)
def test_the_pages_and_the_registers_name_each_value_alike(table: Any, choices: Any) -> None:
    with translation.override("zh-hans"):
        differ = {
            value: (words.word(table, value), label)
            for value, label in choices.choices
            if words.word(table, value) != label
        }
    assert differ == {}
