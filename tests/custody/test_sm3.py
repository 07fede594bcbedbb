"""A ledger created with SM3 (国密): chains, verify, checkpoints and receipts all follow the
choice recorded when the ledger was created (backend/custody/algorithm.py), and a
setting that disagrees with it refuses to start."""

from __future__ import annotations

import hashlib
import importlib
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection

from backend.custody import algorithm, chain, verify
from backend.custody.events import stored_fields
from backend.custody.models import CustodyEvent
from backend.custody.receipts import Receipt, receipts_verify
from backend.custody.services import ScanIn, scans_ingest
from backend.custody.statements import Statement, checkpoint_sign
from backend.custody.verify import ledger_verify
from backend.errors import ServiceError
from backend.registry.models import Device
from backend.registry.principals import Principal
from tests.custody.test_insider import command, insider, named, rechain, sql

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keys(settings: Any, tmp_path: Path) -> None:
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"


def checkout_and_return(unit: Any, carrier: Any) -> None:
    for action, extra in (("checkout", {"counterpart": unit.reader.code}), ("return", {})):
        [r] = scans_ingest(
            scans=[ScanIn(id=uuid.uuid4(), action=action, carrier=carrier.code, **extra)],
            principal=Principal(person=unit.clerk),
        )
        assert r.status == "recorded", r.error


def test_an_sm3_ledger_hashes_its_chains_with_sm3_and_verifies_checkpoints_and_receipts(
    sm3_ledger: str, unit: Any, make_carrier: Any, tmp_path: Path
) -> None:
    carrier = make_carrier()
    checkout_and_return(unit, carrier)
    events = list(CustodyEvent.objects.filter(carrier=carrier).order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3]
    prev = chain.GENESIS
    for e in events:
        body = prev.encode() + chain.canonical_bytes(stored_fields(e, carrier.code))
        # SM3 over exactly the bytes SHA-256 would have hashed: the algorithm is all that
        # changes.
        assert e.prev_hash == prev and e.hash == hashlib.new("sm3", body).hexdigest()
        assert e.hash != hashlib.sha256(body).hexdigest()
        prev = e.hash
    assert ledger_verify().ok and ledger_verify(carrier_ids=[carrier.id]).ok
    assert command("verify")[0] == 0

    full = tmp_path / "full.json"
    assert command("checkpoint", "--out", str(full))[0] == 0
    assert '"hash": "sm3"' in full.read_text()
    assert command("verify", "--against", str(full)) == (
        0,
        "the ledger extends every statement (1)\n",
    )
    last = events[-1]
    [held] = receipts_verify(receipts=[Receipt(str(last.id), carrier.code, last.seq, last.hash)])
    assert held.status == "held"


def test_under_sm3_a_rewritten_event_is_named_by_verify_and_by_the_published_statement(
    sm3_ledger: str, unit: Any, make_carrier: Any, tmp_path: Path
) -> None:
    target, other = make_carrier(), make_carrier()
    checkout_and_return(unit, target)
    checkout_and_return(unit, other)
    full = tmp_path / "full.json"
    assert command("checkpoint", "--out", str(full))[0] == 0
    last = target.events.get(seq=3)

    with insider():  # rewritten in place: plain verify finds it
        sql(
            "UPDATE custody_event SET action = 'store' WHERE carrier_id = %s AND seq = 2", target.pk
        )
    code, out = command("verify")
    assert code == 1 and f"BROKEN {target.code} seq 2" in out, out

    with insider():  # and every later hash recomputed with SM3: only the statement knows
        rechain(target, from_seq=2)
    assert command("verify")[0] == 0
    code, out = command("verify", "--against", str(full))
    assert code == 1 and named(out) == {target.code}, out
    [check] = receipts_verify(receipts=[Receipt(str(last.id), target.code, 3, last.hash)])
    assert check.status == "changed"


def test_a_setting_that_disagrees_with_the_ledgers_record_refuses_to_start(
    settings: Any, make_carrier: Any
) -> None:
    make_carrier()
    assert algorithm.recorded() == "sha256"
    settings.CUSTOS_LEDGER_HASH = "sm3"
    with pytest.raises(SystemCheckError, match=r"custody.E002.*created with sha256") as caught:
        call_command("check")
    assert "该选择在台账创建时即已固定" in str(caught.value)
    with pytest.raises(ServiceError, match="该选择在台账创建时即已固定"):
        checkpoint_sign()
    settings.CUSTOS_LEDGER_HASH = "sha256"
    call_command("check")
    assert Statement.of(checkpoint_sign()).hash == "sha256"


def suspects() -> set[uuid.UUID]:
    """The events the SQL way hands to Python."""
    with connection.cursor() as cursor:
        cursor.execute(verify._SUSPECTS, [0, 2**62])
        return {row[1] for row in cursor.fetchall()}


@pytest.mark.postgres
def test_verify_in_sql_and_in_python_name_the_same_breaks(
    unit: Any, make_carrier: Any, settings: Any
) -> None:
    """The SHA-256 shortcut in PostgreSQL and the Python way judge alike: content, seq,
    prev_hash and head breaks, an orphaned chain, a payload, a desk name with quotes."""
    device = Device.objects.create(name='desk "north" \\ 北\n', location=unit.desk)
    carriers = [make_carrier() for _ in range(7)]
    for carrier in carriers:
        checkout_and_return(unit, carrier)
    noted = uuid.uuid4()
    for scan_id, note in ((uuid.uuid4(), None), (noted, '注 "x"')):
        [r] = scans_ingest(
            scans=[
                ScanIn(
                    id=scan_id,
                    action="store",
                    carrier=carriers[0].code,
                    location=unit.desk.code,
                    note=note,
                )
            ],
            principal=Principal(device=device, person=unit.clerk),
        )
        assert r.status == "recorded", r.error
    # PostgreSQL rebuilt every event's bytes as Python does (a desk name with quotes, a
    # backslash and a line break, a note, a registration's payload): nothing comes back
    # for Python to judge but a payload SQL does not render (nested, not an object).
    assert suspects() == set()
    odd = {}
    with insider():
        for i, payload in ((1, '{"a": {"b": [1, 2.5]}, "Z": null}'), (2, '["x"]')):
            odd[carriers[i].events.get(seq=2).id] = payload
            sql(
                "UPDATE custody_event SET payload = %s::jsonb WHERE carrier_id = %s AND seq = 2",
                payload,
                carriers[i].pk,
            )
            rechain(carriers[i], from_seq=2)
    assert suspects() == set(odd)
    assert ledger_verify(in_sql=True) == ledger_verify(in_sql=False)
    assert ledger_verify(in_sql=True).ok and ledger_verify(in_sql=True).events == 23
    edits = [
        (
            'UPDATE custody_event SET payload = \'{"note": "y"}\''
            " WHERE carrier_id = %s AND seq = 4",
            0,
        ),
        ("UPDATE custody_event SET late = true WHERE carrier_id = %s AND seq = 2", 1),
        ("DELETE FROM custody_event WHERE carrier_id = %s AND seq = 2", 2),
        (
            "UPDATE custody_event SET prev_hash = repeat('1', 64)"
            " WHERE carrier_id = %s AND seq = 3",
            3,
        ),
        ("UPDATE registry_carrier SET seq = 2 WHERE id = %s", 4),
        ("DELETE FROM custody_event WHERE carrier_id = %s", 5),
        ("DELETE FROM registry_carrier WHERE id = %s", 6),
    ]
    with insider():
        for statement, i in edits:
            sql(statement, carriers[i].pk)
    by_sql, by_python = ledger_verify(in_sql=True), ledger_verify(in_sql=False)
    assert by_sql == by_python
    assert [(b.seq, b.reason) for b in by_sql.broken if b.carrier.startswith("#")] == [
        (1, "the carrier row is gone")
    ]
    assert {b.carrier for b in by_sql.broken} == {c.code for c in carriers[:6]} | {
        f"#{carriers[6].pk}"
    }
    with insider():  # let the test database's constraint check pass
        sql("DELETE FROM custody_event WHERE carrier_id = %s", carriers[6].pk)


@pytest.mark.parametrize("events", [False, True])
def test_migration_0004_records_the_setting_or_sha256_for_a_ledger_with_events(
    events: bool, settings: Any, unit: Any, make_carrier: Any
) -> None:
    record = importlib.import_module("backend.custody.migrations.0004_trust_ledger_hash").record
    if events:
        make_carrier()
    settings.CUSTOS_LEDGER_HASH = "sm3"
    sql("DELETE FROM custody_ledger")
    record(apps, SimpleNamespace(connection=connection))
    assert algorithm.recorded() == ("sha256" if events else "sm3")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_verify_in_sql_splits_the_ledger_across_connections_in_one_snapshot(
    unit: Any, make_carrier: Any
) -> None:
    carriers = [make_carrier() for _ in range(6)]
    for carrier in carriers:
        checkout_and_return(unit, carrier)
    assert ledger_verify(in_sql=True).ok
    with insider():
        for carrier in (carriers[0], carriers[-1]):  # one in each half
            sql(
                "UPDATE custody_event SET late = true WHERE carrier_id = %s AND seq = 2", carrier.pk
            )
    report = ledger_verify(in_sql=True)
    assert report == ledger_verify(in_sql=False) and report.events == 18
    assert [(b.carrier, b.seq) for b in report.broken] == sorted(
        (c.code, 2) for c in (carriers[0], carriers[-1])
    )
