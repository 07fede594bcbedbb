"""The ledger is append-only, and an edit made behind the application's back is found."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from backend.custody.checkpoints import checkpoint_create
from backend.custody.models import AppendOnlyError, CustodyEvent
from backend.custody.services import ScanIn, scans_ingest
from backend.custody.verify import ledger_verify
from backend.registry.models import Carrier
from backend.registry.principals import Principal

pytestmark = pytest.mark.django_db


@contextmanager
def triggers_off() -> Iterator[None]:
    """What an attacker with database access would do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test runs inside a transaction with deferred FK checks still pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE custody_event DISABLE TRIGGER USER")
            cursor.execute("ALTER TABLE registry_carrier DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER custody_event_no_update")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE custody_event ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE registry_carrier ENABLE TRIGGER USER")


def raw(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def history(unit: Any, make_carrier: Any) -> Carrier:
    """A carrier with five events: register, checkout, return, checkout, return."""
    carrier = make_carrier()
    for action in ("checkout", "return", "checkout", "return"):
        extra = {"counterpart": unit.reader.code} if action == "checkout" else {}
        [r] = scans_ingest(
            scans=[ScanIn(id=uuid.uuid4(), action=action, carrier=carrier.code, **extra)],
            principal=Principal(person=unit.clerk),
        )
        assert r.status == "recorded"
    make_carrier()  # an untouched neighbour that must stay intact
    carrier.refresh_from_db()
    assert carrier.seq == 5
    return carrier


def verify_output() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify", stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_the_model_refuses_update_and_delete(history: Carrier) -> None:
    event = CustodyEvent.objects.filter(carrier=history).first()
    assert event is not None
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        CustodyEvent.objects.filter(carrier=history).update(action="store")
    with pytest.raises(AppendOnlyError):
        CustodyEvent.objects.filter(carrier=history).delete()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE custody_event SET action = 'store' WHERE seq = 2",
        "DELETE FROM custody_event WHERE seq = 5",
        "TRUNCATE custody_event CASCADE",
    ],
)
def test_the_postgres_trigger_refuses_changes_made_with_plain_sql(
    history: Carrier, sql: str
) -> None:
    raw("SET custos.allow_truncate = 'off'")
    raw("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        raw(sql)
    assert CustodyEvent.objects.filter(carrier=history).count() == 5


def test_an_intact_ledger_verifies(history: Carrier) -> None:
    code, out = verify_output()
    assert code == 0 and "intact" in out


def test_an_edited_event_is_found_and_named(history: Carrier, api_as: Any, unit: Any) -> None:
    with triggers_off():
        raw(
            "UPDATE custody_event SET action = 'store' WHERE carrier_id = %s AND seq = 3",
            history.id,
        )
    code, out = verify_output()
    assert code == 1 and f"BROKEN {history.code} seq 3" in out
    body = api_as(unit.committee).get("/ledger/verify").json()
    assert body["ok"] is False
    assert [(b["carrier"], b["seq"]) for b in body["broken"]] == [(history.code, 3)]


def test_a_deleted_event_in_the_middle_is_found(history: Carrier) -> None:
    with triggers_off():
        raw("DELETE FROM custody_event WHERE carrier_id = %s AND seq = 2", history.id)
    report = ledger_verify()
    assert [(b.carrier, b.seq) for b in report.broken] == [(history.code, 2)]


def test_a_deleted_tail_is_found_by_the_carrier_head(history: Carrier) -> None:
    with triggers_off():
        raw("DELETE FROM custody_event WHERE carrier_id = %s AND seq >= 4", history.id)
    report = ledger_verify()
    assert [(b.carrier, b.seq) for b in report.broken] == [(history.code, 4)]


def test_a_deleted_tail_with_a_forged_head_is_found_by_the_checkpoint(history: Carrier) -> None:
    checkpoint_create()
    third = CustodyEvent.objects.get(carrier=history, seq=3)
    with triggers_off():
        raw("DELETE FROM custody_event WHERE carrier_id = %s AND seq >= 4", history.id)
        raw(
            "UPDATE registry_carrier SET seq = 3, head_hash = %s WHERE id = %s",
            third.hash,
            history.id,
        )
    report = ledger_verify()
    assert [(b.carrier, b.seq) for b in report.broken] == [(history.code, 5)]
    assert "checkpoint" in report.broken[0].reason
