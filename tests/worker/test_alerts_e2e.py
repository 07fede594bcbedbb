"""End to end over real processes: a Celery worker on real Redis, the test PostgreSQL, an
SMTP server and a webhook receiver on loopback — and the faults they must survive."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from backend.alerts.models import Alert, Delivery
from tests.alerts.conftest import SECRET, overdue_checkout, record
from tests.alerts.loopback import SmtpServer, WebhookReceiver
from tests.worker.procs import RedisServer, purge, send, start_worker, stop_worker, wait_for

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis (set REDIS_URL)"),
    pytest.mark.django_db(transaction=True),
]
COMMITTEE = "committee@unit.example"


@pytest.fixture
def outside(settings: Any) -> Iterator[tuple[SmtpServer, WebhookReceiver, dict[str, str]]]:
    """The SMTP server and webhook receiver, and the same wiring for the test process
    (scans raise cases here) and for the worker (its sweep raises cases there)."""
    with SmtpServer() as smtp, WebhookReceiver(SECRET) as hook:
        env = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "CUSTOS_ALERT_EMAILS": COMMITTEE,
            "CUSTOS_WEBHOOK_URL": hook.url,
            "CUSTOS_WEBHOOK_SECRET": SECRET,
            "CUSTOS_DELIVERY_BACKOFF_SECONDS": "1",
            "CUSTOS_DELIVERY_LEASE_SECONDS": "3",
        }
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.CUSTOS_ALERT_EMAILS = [COMMITTEE]
        settings.CUSTOS_WEBHOOK_URL = hook.url
        settings.CUSTOS_WEBHOOK_SECRET = SECRET
        yield smtp, hook, env


def test_an_overdue_checkout_reaches_mail_and_webhook_once_and_the_return_resolves_it(
    outside: Any, unit: Any, make_carrier: Any
) -> None:
    smtp, hook, env = outside
    purge(REDIS_URL)
    worker = start_worker(broker=REDIS_URL, env=env, name="alerts-e2e")
    try:
        carrier = make_carrier()
        overdue_checkout(unit, carrier)  # occurred two days ago, due one day ago
        send("worker.tasks.alerts_sweep", REDIS_URL)
        assert wait_for(lambda: smtp.sink.accepted and hook.received), "nothing delivered"
        assert Alert.objects.filter(kind="overdue_return").count() == 1
        alert = Alert.objects.get()
        assert (alert.carrier_id, alert.status) == (carrier.id, "open")
        [body] = smtp.sink.bodies()
        assert carrier.code in body and carrier.title not in body
        [notice] = hook.verified()
        assert notice["alert"]["id"] == alert.id and notice["event"] == "alert.opened"
        assert wait_for(lambda: set(Delivery.objects.values_list("status", flat=True)) == {"sent"})
        # A second sweep finds nothing new to say.
        send("worker.tasks.alerts_sweep", REDIS_URL)
        send("worker.tasks.alerts_deliver", REDIS_URL)
        time.sleep(1.5)
        assert (len(smtp.sink.accepted), len(hook.received)) == (1, 1)

        record(unit.clerk, "return", carrier, location=unit.safe)
        alert.refresh_from_db()
        assert alert.status == "resolved" and alert.resolved_at is not None
        assert worker.poll() is None
    finally:
        stop_worker(worker)


def test_with_redis_down_scans_and_cases_are_recorded_and_deliveries_catch_up(
    outside: Any, unit: Any, make_carrier: Any
) -> None:
    smtp, hook, env = outside
    redis = RedisServer()
    redis.start()
    worker = start_worker(broker=redis.url, env=env, name="alerts-outage")
    try:
        redis.stop()
        # Scans keep arriving: every one is recorded, and a mismatch at a scan opens its
        # case with its deliveries — none of it needs the broker.
        late, seen_elsewhere = make_carrier(), make_carrier()
        overdue_checkout(unit, late)
        record(unit.clerk, "inventory", seen_elsewhere, location=unit.safe2)
        for _ in range(5):
            record(unit.clerk, "store", make_carrier(), location=unit.safe)
        assert Alert.objects.filter(kind="custody_mismatch").count() == 1
        assert Delivery.objects.filter(status="pending").count() == 2
        with pytest.raises(Exception):  # noqa: B017 - beat's publish fails while it is down
            send("worker.tasks.alerts_sweep", redis.url)

        redis.start()  # same port: the worker reconnects by itself
        send("worker.tasks.alerts_sweep", redis.url)
        assert wait_for(lambda: Delivery.objects.filter(status="sent").count() == 4, 60)
        kinds = set(Alert.objects.values_list("kind", flat=True))
        assert kinds == {"custody_mismatch", "overdue_return"}
        # One digest carries both cases; each case went once to the webhook.
        assert len(smtp.sink.accepted) == 1
        assert {n["alert"]["kind"] for n in hook.verified()} == kinds
        assert len(hook.received) == 2
    finally:
        stop_worker(worker)
        redis.stop()


def test_a_worker_killed_mid_delivery_mails_exactly_once_after_restart(
    outside: Any, unit: Any, make_carrier: Any, settings: Any
) -> None:
    smtp, _, env = outside
    env = {**env, "CUSTOS_WEBHOOK_URL": ""}
    settings.CUSTOS_WEBHOOK_URL = ""
    smtp.sink.hold = threading.Event()
    smtp.sink.refuse_held = True  # the held message dies with the sender's connection
    purge(REDIS_URL)
    worker = start_worker(broker=REDIS_URL, env=env, name="alerts-kill")
    try:
        overdue_checkout(unit, make_carrier())
        send("worker.tasks.alerts_sweep", REDIS_URL)
        assert wait_for(smtp.sink.arrived.is_set), "the worker never reached the SMTP server"
        worker.send_signal(signal.SIGKILL)  # in the middle of DATA
        worker.wait(timeout=10)
        smtp.sink.hold.set()
        row = Delivery.objects.get()
        assert (row.status, row.attempts) == ("pending", 1)  # claimed, never marked sent

        worker = start_worker(broker=REDIS_URL, env=env, name="alerts-kill2")
        time.sleep(3.2)  # the dead sender's lease runs out
        send("worker.tasks.alerts_deliver", REDIS_URL)  # beat's catch-up pass
        assert wait_for(lambda: Delivery.objects.filter(status="sent").exists())
        for _ in range(3):
            send("worker.tasks.alerts_deliver", REDIS_URL)
        time.sleep(1.5)
        row.refresh_from_db()
        assert (row.status, row.attempts) == ("sent", 2)
        assert len(smtp.sink.accepted) == 1
    finally:
        stop_worker(worker)


def test_a_refusing_smtp_server_is_retried_by_the_worker_and_mailed_once(
    outside: Any, unit: Any, make_carrier: Any, settings: Any
) -> None:
    smtp, hook, env = outside
    smtp.sink.refuse = 2
    purge(REDIS_URL)
    worker = start_worker(broker=REDIS_URL, env=env, name="alerts-refuse")
    try:
        overdue_checkout(unit, make_carrier())
        send("worker.tasks.alerts_sweep", REDIS_URL)
        # No beat runs here: only the task's own retries (1 s, then 2 s) can deliver it.
        assert wait_for(lambda: len(smtp.sink.accepted) == 1, 30)
        time.sleep(1.0)
        mail = Delivery.objects.get(channel="email")
        assert (mail.status, mail.attempts, smtp.sink.refused) == ("sent", 3, 2)
        assert len(smtp.sink.accepted) == 1 and len(hook.received) == 1
    finally:
        stop_worker(worker)
