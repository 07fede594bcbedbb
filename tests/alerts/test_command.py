"""``custos sweep``: every detector once, now, then the outbox."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from backend.alerts.models import Alert, Delivery
from tests.alerts.conftest import overdue_checkout

pytestmark = pytest.mark.django_db


def test_custos_sweep_opens_the_due_case_and_mails_it(
    unit: Any, make_carrier: Any, channels: Any
) -> None:
    smtp, hook = channels
    carrier = make_carrier()
    overdue_checkout(unit, carrier)
    out = StringIO()
    call_command("sweep", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert (report["due"], report["opened"], report["sent"], report["send_failed"]) == (1, 1, 2, 0)
    assert Alert.objects.get().carrier_id == carrier.id
    assert len(smtp.sink.accepted) == 1 and len(hook.verified()) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_custos_sweep_prints_a_bilingual_summary(unit: Any, make_carrier: Any) -> None:
    overdue_checkout(unit, make_carrier())
    out = StringIO()
    call_command("sweep", "--no-send", stdout=out)
    assert "1 due 到期, 1 opened 新告警" in out.getvalue()
