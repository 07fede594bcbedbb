"""backend/alerts/outbox.py and notify.py: deliveries over a real SMTP server and a real
webhook receiver on loopback."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from backend.alerts.models import Alert, Delivery
from backend.alerts.notify import webhook_signature, webhook_verify
from backend.alerts.outbox import deliveries_send, deliveries_write
from backend.alerts.services import Finding, alerts_open
from backend.alerts.sweep import sweep_run
from tests.alerts.conftest import SECRET, overdue_checkout

pytestmark = pytest.mark.django_db


def test_one_sweep_sends_one_digest_and_a_signed_webhook_per_case(
    unit: Any, make_carrier: Any, channels: Any
) -> None:
    smtp, hook = channels
    carriers = [make_carrier(level=level) for level in ("secret", "top_secret", "confidential")]
    for carrier in carriers:
        overdue_checkout(unit, carrier, reader=unit.clerk2)
    assert sweep_run().opened == 3
    report = deliveries_send()
    assert (report.claimed, report.sent, report.failed) == (6, 6, 0)

    [mail] = smtp.sink.accepted
    assert sorted(mail["To"].addresses[i].addr_spec for i in range(2)) == [
        "committee@unit.example",
        "office@unit.example",
    ]
    [body] = smtp.sink.bodies()
    for carrier in carriers:
        assert carrier.code in body
        assert carrier.title not in body and carrier.title not in mail["Subject"]
    assert "机密 secret" in body and "绝密 top_secret" in body and "秘密 confidential" in body
    assert "期限 deadline" in body and "逾期未归还 overdue_return" in body
    assert "3" in mail["Subject"]

    notices = hook.verified()
    assert len(notices) == len(hook.received) == 3
    assert {n["alert"]["carrier"] for n in notices} == {c.code for c in carriers}
    assert all(n["alert"]["deadline"] and n["alert"]["level"] for n in notices)
    assert all(c.title.encode() not in r.body for r in hook.received for c in carriers)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert deliveries_send().claimed == 0  # nothing twice


def test_a_refusing_smtp_server_is_retried_with_backoff_and_mailed_once(
    unit: Any, make_carrier: Any, channels: Any, settings: Any
) -> None:
    smtp, _ = channels
    settings.CUSTOS_WEBHOOK_URL = ""
    smtp.sink.refuse = 2
    overdue_checkout(unit, make_carrier())
    sweep_run()
    first = deliveries_send()
    row = Delivery.objects.get()
    assert (first.failed, row.status, row.attempts) == (1, "pending", 1)
    assert "451" in row.last_error and first.retry_in == 30
    assert deliveries_send().claimed == 0  # not due again before its backoff
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        second = deliveries_send()
    assert second.failed == 1 and second.retry_in == 60  # the backoff doubles
    with time_machine.travel(timezone.now() + timedelta(seconds=95)):
        third = deliveries_send()
    row.refresh_from_db()
    assert (third.sent, row.status, row.attempts, row.last_error) == (1, "sent", 3, "")
    assert (smtp.sink.refused, len(smtp.sink.accepted)) == (2, 1)


def test_a_failing_webhook_is_retried_and_the_mail_is_not_sent_again(
    unit: Any, make_carrier: Any, channels: Any
) -> None:
    smtp, hook = channels
    hook.refuse = 1
    overdue_checkout(unit, make_carrier())
    sweep_run()
    assert deliveries_send().failed == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert deliveries_send().sent == 1
    assert len(smtp.sink.accepted) == 1 and len(hook.verified()) == 1


def test_a_delivery_is_unique_per_alert_channel_and_round(
    unit: Any, make_carrier: Any, channels: Any
) -> None:
    overdue_checkout(unit, make_carrier())
    sweep_run()
    alert = Alert.objects.get()
    deliveries_write(alert_ids=[alert.id], round=0, now=timezone.now())
    assert Delivery.objects.count() == 2


def test_a_rolled_back_opening_leaves_no_case_and_no_delivery(
    unit: Any, make_carrier: Any, channels: Any
) -> None:
    carrier = make_carrier()
    now = timezone.now()
    with pytest.raises(RuntimeError), transaction.atomic():
        alerts_open(findings=[Finding("overdue_return", carrier.id, now, now, {})], now=now)
        assert Delivery.objects.count() == 2
        raise RuntimeError("the opening transaction fails")
    assert not Alert.objects.exists() and not Delivery.objects.exists()


def test_the_webhook_signature_binds_body_and_timestamp() -> None:
    body = b'{"alert": 1}'
    stamp = str(int(time.time()))
    signature = webhook_signature(secret=SECRET, timestamp=stamp, body=body)
    assert webhook_verify(secret=SECRET, timestamp=stamp, body=body, signature=signature)
    assert not webhook_verify(
        secret=SECRET, timestamp=stamp, body=b'{"alert": 2}', signature=signature
    )
    assert not webhook_verify(secret="other", timestamp=stamp, body=body, signature=signature)
    old = str(int(time.time()) - 3600)  # a replay an hour later, even with its own signature
    replay = webhook_signature(secret=SECRET, timestamp=old, body=body)
    assert not webhook_verify(secret=SECRET, timestamp=old, body=body, signature=replay)
