"""backend/alerts/publish.py: every signed checkpoint leaves through the outbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from backend.alerts.models import StatementDelivery
from backend.alerts.publish import statement_deliveries_send
from backend.custody.statements import Statement, checkpoint_sign, statement_read
from tests.alerts.conftest import SECRET
from tests.alerts.loopback import WebhookReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keys(settings: Any, tmp_path: Path) -> None:
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"


def test_a_checkpoint_goes_to_the_committee_the_webhook_and_the_office(
    channels: Any, settings: Any, make_carrier: Any
) -> None:
    smtp, hook = channels
    make_carrier()
    with WebhookReceiver(SECRET) as office:
        settings.CUSTOS_SUPERVISOR_URL = office.url
        statement = Statement.of(checkpoint_sign())
        assert StatementDelivery.objects.filter(status="pending").count() == 3
        report = statement_deliveries_send()
        assert (report.claimed, report.sent, report.failed) == (3, 3, 0)
        [posted] = hook.verified()
        [sent_to_office] = office.verified()
    assert posted == sent_to_office and posted["root"] == statement.root
    [mail] = smtp.sink.accepted
    assert statement.fingerprint() in mail["Subject"]
    assert statement.text() in mail.get_body(("plain",)).get_content()
    [attached] = list(mail.iter_attachments())
    assert statement_read(attached.get_content())[0] == statement
    assert statement_deliveries_send().claimed == 0  # sent once, never again


def test_a_channel_that_is_down_delays_the_statement_not_the_checkpoint(
    channels: Any, make_carrier: Any
) -> None:
    _smtp, hook = channels
    make_carrier()
    hook.refuse = 1
    checkpoint_sign()
    report = statement_deliveries_send()
    assert (report.sent, report.failed) == (1, 1) and report.retry_in is not None
    row = StatementDelivery.objects.get(channel="webhook")
    assert (row.status, row.attempts) == ("pending", 1) and "503" in row.last_error
    StatementDelivery.objects.filter(id=row.id).update(next_attempt_at=timezone.now())
    assert statement_deliveries_send().sent == 1
    assert len(hook.verified()) == 1
    assert StatementDelivery.objects.get(id=row.id).status == "sent"
