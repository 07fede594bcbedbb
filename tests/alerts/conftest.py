"""Fixtures for the alert tests: the channels on loopback and scans through the ledger."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.custody.services import ScanIn, scans_ingest
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from tests.alerts.loopback import SmtpServer, WebhookReceiver

SECRET = "test-webhook-secret"


@pytest.fixture
def channels(settings: Any) -> Iterator[tuple[SmtpServer, WebhookReceiver]]:
    """A real SMTP server and a webhook receiver on loopback, wired into the settings."""
    with SmtpServer() as smtp, WebhookReceiver(SECRET) as hook:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.CUSTOS_ALERT_EMAILS = ["committee@unit.example", "office@unit.example"]
        settings.CUSTOS_COMMITTEE_CHAIR_EMAIL = "chair@unit.example"
        settings.CUSTOS_WEBHOOK_URL = hook.url
        settings.CUSTOS_WEBHOOK_SECRET = SECRET
        settings.CUSTOS_DELIVERY_BACKOFF_SECONDS = 30
        yield smtp, hook


def record(person: Any, action: str, carrier: Carrier, **kw: Any) -> Any:
    """One scan through the real ingest; returns its result (asserting it was recorded)."""
    codes = {k: (v.code if hasattr(v, "code") else v) for k, v in kw.items()}
    scan = ScanIn(id=uuid.uuid4(), action=action, carrier=carrier.code, **codes)
    [result] = scans_ingest(scans=[scan], principal=Principal(person=person))
    assert result.status == "recorded", result.error and result.error.message
    return result


def overdue_checkout(
    unit: Any, carrier: Carrier, *, now: datetime | None = None, reader: Any = None
) -> datetime:
    """The issue's case: checked out two days ago, due back one day ago. Returns due_at."""
    now = now or timezone.now()
    due = now - timedelta(days=1)
    record(
        unit.clerk,
        "checkout",
        carrier,
        counterpart=reader or unit.reader,
        location=unit.desk,
        occurred_at=now - timedelta(days=2),
        due_at=due,
    )
    return due
