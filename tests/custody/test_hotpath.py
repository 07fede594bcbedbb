"""The scan hot path on PostgreSQL: few round trips, prepared statements, and the COMMIT
riding with the writes — without giving up what ingest guarantees."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.custody.models import CustodyEvent
from backend.custody.services import ScanIn, scans_ingest
from backend.custody.verify import ledger_verify
from backend.registry.principals import Principal
from backend.registry.services import device_create, token_authenticate, token_create
from tests.conftest import Api, scan

pytestmark = pytest.mark.postgres


def _committed_events(carrier_id: int) -> list[int]:
    """The carrier's seqs as another session sees them: only what was committed."""
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    ) as other:
        rows = other.execute(
            "SELECT seq FROM custody_event WHERE carrier_id = %s ORDER BY seq", [carrier_id]
        ).fetchall()
    return [seq for (seq,) in rows]


def _committed_alerts(carrier_id: int) -> list[str]:
    db = settings.DATABASES["default"]
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    ) as other:
        rows = other.execute(
            "SELECT kind FROM alerts_alert WHERE carrier_id = %s", [carrier_id]
        ).fetchall()
    return [kind for (kind,) in rows]


def _transfer(unit: Any, carrier: Any) -> Any:
    """The clerk hands ``carrier`` to the other clerk: one scan, ingest's own transaction."""
    [out] = scans_ingest(
        scans=[
            ScanIn(
                id=uuid.uuid4(),
                action="transfer",
                carrier=carrier.code,
                counterpart=unit.clerk2.code,
            )
        ],
        principal=Principal(person=unit.clerk),
    )
    return out


@pytest.mark.django_db
def test_a_warm_single_scan_makes_two_round_trips(
    unit: Any, make_carrier: Any, settings: Any
) -> None:
    # Lock + recorded ids + label lookup + the counterpart's row; insert + update (+ COMMIT
    # when ingest owns the transaction, and BEGIN before the lock). The token's row is kept
    # from the warm-up scan (backend/registry/token_cache.py). This test's own transaction
    # turns ingest's BEGIN/COMMIT into a savepoint, which is not counted.
    settings.CUSTOS_TOKEN_CACHE_SECONDS = 60
    api = Api(token_create(person=unit.clerk))
    first, second = make_carrier(), make_carrier()
    warm = api.post("/scans", {"scans": [scan("transfer", first, counterpart=unit.clerk2)]})
    assert warm.json()["results"][0]["status"] == "recorded"
    with CaptureQueriesContext(connection) as sent:
        answer = api.post("/scans", {"scans": [scan("transfer", second, counterpart=unit.clerk2)]})
    [result] = answer.json()["results"]
    assert result["status"] == "recorded" and result["event"]["seq"] == 2
    trips = [q["sql"] for q in sent if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(trips) == 2, trips
    # Warm: every statement runs prepared, none is sent for parsing again.
    assert all(t.startswith("EXECUTE ") for t in trips), trips
    assert trips[0].count("EXECUTE ") == 4 and trips[1].count("EXECUTE ") == 2


@pytest.mark.django_db(transaction=True)
def test_the_commit_rides_with_the_writes_and_the_event_is_committed(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    with CaptureQueriesContext(connection) as sent:
        out = _transfer(unit, carrier)
    assert out.status == "recorded"
    # The BEGIN leads the lock's round trip and the COMMIT ends the writes'; Django logs
    # its own COMMIT too, but psycopg finds the transaction closed and sends none.
    batches = [q["sql"] for q in sent if q["sql"].startswith(("EXECUTE ", "BEGIN;"))]
    assert len(batches) == 2, batches  # the lock with the counterpart's row, the writes
    assert batches[0].startswith("BEGIN;\nEXECUTE "), batches
    assert batches[-1].endswith(";\nCOMMIT"), batches
    # Nothing left open on this session, and another session sees the event.
    assert not connection.in_atomic_block
    assert connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert _committed_events(carrier.id) == [1, 2]
    assert ledger_verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_mismatch_raises_its_alert_in_the_same_committed_transaction(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()  # in the safe; sighted in another one: a custody mismatch
    with CaptureQueriesContext(connection) as sent:
        [out] = scans_ingest(
            scans=[
                ScanIn(
                    id=uuid.uuid4(),
                    action="inventory",
                    carrier=carrier.code,
                    location=unit.safe2.code,
                )
            ],
            principal=Principal(person=unit.clerk),
        )
    assert out.status == "recorded" and "mismatch" in out.event.payload
    # The alert (hook ``event_appended``) is written before the event in the same
    # transaction, so the COMMIT still rides with the event's writes and takes both.
    sql = [q["sql"] for q in sent]
    commits = [i for i, q in enumerate(sql) if q.startswith("EXECUTE ") and "COMMIT" in q]
    alert = next(i for i, q in enumerate(sql) if q.startswith('INSERT INTO "alerts_alert"'))
    assert len(commits) == 1 and alert < commits[0], sql
    assert _committed_events(carrier.id) == [1, 2]
    assert _committed_alerts(carrier.id) == ["custody_mismatch"]


@pytest.mark.django_db(transaction=True)
def test_a_new_database_session_prepares_its_statements_again(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    principal = Principal(person=unit.clerk)
    statuses = []
    for counterpart in (unit.clerk2, unit.clerk):
        [out] = scans_ingest(
            scans=[
                ScanIn(
                    id=uuid.uuid4(),
                    action="transfer",
                    carrier=carrier.code,
                    counterpart=counterpart.code,
                )
            ],
            principal=principal,
        )
        statuses.append(out.status)
        # The next scan runs on a fresh session, where nothing is prepared yet.
        connection.close()
        principal = Principal(person=type(unit.clerk2).objects.get(pk=unit.clerk2.pk))
    assert statuses == ["recorded", "recorded"]
    assert _committed_events(carrier.id) == [1, 2, 3]


@pytest.mark.django_db(transaction=True)
def test_a_scan_id_resent_after_a_new_session_is_still_a_duplicate(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    once = ScanIn(
        id=uuid.uuid4(), action="transfer", carrier=carrier.code, counterpart=unit.clerk2.code
    )
    [first] = scans_ingest(scans=[once], principal=Principal(person=unit.clerk))
    connection.close()
    [again] = scans_ingest(scans=[once], principal=Principal(person=unit.clerk))
    assert (first.status, again.status) == ("recorded", "duplicate")
    assert again.event.seq == first.event.seq == 2
    assert CustodyEvent.objects.filter(carrier=carrier).count() == 2


@pytest.mark.django_db
def test_a_device_token_reads_device_and_location_in_one_query(
    unit: Any, django_assert_num_queries: Any
) -> None:
    device = device_create(name="desk scanner", location=unit.desk)
    token = token_create(device=device)
    with django_assert_num_queries(1):
        principal = token_authenticate(token)
    assert principal is not None and principal.person is None
    assert principal.device is not None and principal.device.pk == device.pk
    assert (principal.device.location.pk, principal.device.location.code) == (
        unit.desk.pk,
        unit.desk.code,
    )
    device.active = False
    device.save(update_fields=["active"])
    assert token_authenticate(token) is None


@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_after_the_begin_that_rode_along_leaves_the_session_clean(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    db = settings.DATABASES["default"]

    def transfer() -> str:
        out = _transfer(unit, carrier)
        return out.status if out.error is None else out.error.code

    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '100ms'")
    try:
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
        ) as other:
            other.execute("SELECT id FROM registry_carrier WHERE id = %s FOR UPDATE", [carrier.id])
            assert transfer() == "conflict"
            # Rolled back, and psycopg and Django agree again that nothing is open.
            assert (
                connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            )
            assert connection.get_autocommit() and connection.connection.autocommit
        assert transfer() == "recorded"
        assert _committed_events(carrier.id) == [1, 2]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
