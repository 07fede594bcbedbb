"""An insider with full database access against the published checkpoints (issue 13).

Each attack runs with the triggers out of the way and every table writable, the way the
database's own administrator could. Plain ``custos verify`` may or may not notice; ``custos
verify --against`` a statement published before names the carrier every time. Run this
file on PostgreSQL (``DATABASE_URL`` set) and on SQLite (unset): CI does both.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, models
from django.utils import translation

from backend.custody import algorithm, chain
from backend.custody.events import stored_fields
from backend.custody.models import CustodyEvent
from backend.custody.services import ScanIn, scans_ingest
from backend.registry.models import Carrier
from backend.registry.principals import Principal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keys(settings: Any, tmp_path: Path) -> None:
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"


@contextmanager
def insider() -> Iterator[None]:
    """Every trigger out of the way: what the database's administrator can do."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")


def sql(statement: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def ingest(unit: Any, action: str, carrier: Carrier) -> None:
    extra = {"counterpart": unit.reader.code} if action == "checkout" else {}
    [r] = scans_ingest(
        scans=[ScanIn(id=uuid.uuid4(), action=action, carrier=carrier.code, **extra)],
        principal=Principal(person=unit.clerk),
    )
    assert r.status == "recorded", r.error


def erase(model: type[models.Model], pks: list[Any]) -> None:
    """Delete rows and, first, every row that names them, following every foreign key."""
    if not pks:
        return
    for rel in model._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            child = rel.related_model
            column = rel.field.attname
            children = list(
                child._base_manager.filter(**{f"{column}__in": pks}).values_list("pk", flat=True)
            )
            erase(child, children)
    marks = ", ".join(["%s"] * len(pks))
    pk = model._meta.pk
    values = [pk.get_db_prep_value(v, connection) for v in pks]
    sql(f"DELETE FROM {model._meta.db_table} WHERE {pk.column} IN ({marks})", *values)


def rechain(carrier: Carrier, *, from_seq: int) -> None:
    """Recompute the hashes from ``from_seq`` on, the head, and every stored checkpoint head."""
    prev = carrier.events.get(seq=from_seq - 1).hash if from_seq > 1 else chain.GENESIS
    events = CustodyEvent.objects.filter(carrier=carrier, seq__gte=from_seq).select_related(
        "actor", "counterpart", "escort", "location", "device"
    )
    for e in events.order_by("seq"):
        fields = stored_fields(e, carrier.code)
        new = chain.link(prev, fields, algorithm.chain_hash())
        event_id = CustodyEvent._meta.pk.get_db_prep_value(e.id, connection)
        sql("UPDATE custody_event SET prev_hash = %s, hash = %s WHERE id = %s", prev, new, event_id)
        sql(
            "UPDATE custody_checkpoint_head SET hash = %s WHERE carrier_id = %s AND seq = %s",
            new,
            carrier.id,
            e.seq,
        )
        sql(
            "UPDATE custody_signed_head SET hash = %s WHERE code = %s AND seq = %s",
            new,
            carrier.code,
            e.seq,
        )
        prev = new
    sql("UPDATE registry_carrier SET head_hash = %s WHERE id = %s", prev, carrier.id)


def command(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        with translation.override("en"):
            call_command(*args, stdout=out, stderr=StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def published(unit: Any, make_carrier: Any, tmp_path: Path) -> dict[str, Any]:
    """Three carriers with histories, a checkpoint published (file and statement), and
    the ledger grown on after it, as it does between two checkpoints."""
    target, left, right = make_carrier(), make_carrier(), make_carrier()
    for action in ("checkout", "return", "checkout", "return"):
        ingest(unit, action, target)
    ingest(unit, "checkout", left)
    command("checkpoint")  # an older one, so the stored heads span two checkpoints
    full = tmp_path / "statement-full.json"
    assert command("checkpoint", "--out", str(full))[0] == 0
    bare = tmp_path / "statement.json"
    bare.write_text(command("checkpoint")[1])
    ingest(unit, "checkout", target)  # after publication: seq 6
    ingest(unit, "checkout", right)
    assert command("verify", "--against", str(full), str(bare)) == (
        0,
        "the ledger extends every statement (2)\n",
    )
    target.refresh_from_db()
    return {"target": target, "full": full, "bare": bare, "others": (left, right)}


def named(out: str) -> set[str]:
    return {
        line.split()[1].rstrip(":") for line in out.splitlines() if line.startswith("CHANGED C")
    }


def test_a_carrier_erased_with_every_row_that_names_it_is_named(
    published: dict[str, Any],
) -> None:
    target = published["target"]
    with insider():
        sql("DELETE FROM custody_signed_head WHERE code = %s", target.code)
        erase(Carrier, [target.pk])
    assert not Carrier.objects.filter(code=target.code).exists()
    code, out = command("verify", "--against", str(published["full"]))
    assert code == 1 and named(out) == {target.code}, out
    assert f"CHANGED {target.code}: the carrier is gone from the ledger" in out
    code, out = command("verify", "--against", str(published["bare"]))
    assert code == 1, out


def test_a_chain_truncated_with_its_head_and_status_rewound_is_named(
    published: dict[str, Any],
) -> None:
    target = published["target"]
    third = target.events.get(seq=3)
    with insider():
        sql("DELETE FROM custody_event WHERE carrier_id = %s AND seq > 3", target.pk)
        sql("DELETE FROM custody_checkpoint_head WHERE carrier_id = %s AND seq > 3", target.pk)
        sql("DELETE FROM custody_signed_head WHERE code = %s AND seq > 3", target.code)
        sql(
            "UPDATE registry_carrier SET seq = 3, head_hash = %s, status = 'in_storage' "
            "WHERE id = %s",
            third.hash,
            target.pk,
        )
    for statement in (published["full"], published["bare"]):
        code, out = command("verify", "--against", str(statement))
        assert code == 1, out
    code, out = command("verify", "--against", str(published["full"]))
    assert named(out) == {target.code}, out
    assert f"CHANGED {target.code}: its event seq 5 is gone" in out


def test_an_event_rewritten_with_every_later_hash_and_checkpoint_recomputed_is_named(
    published: dict[str, Any],
) -> None:
    target = published["target"]
    with insider():
        sql(
            "UPDATE custody_event SET action = 'store' WHERE carrier_id = %s AND seq = 2",
            target.pk,
        )
        rechain(target, from_seq=2)
    # The cover-up is complete as far as the database alone can tell.
    code, out = command("verify")
    assert code == 0 and "intact" in out, out
    code, out = command("verify", "--against", str(published["full"]))
    assert code == 1 and named(out) == {target.code}, out
    assert f"CHANGED {target.code}: its event seq 5 was changed" in out
    code, out = command("verify", "--against", str(published["bare"]))
    assert code == 1 and "carrier heads was changed" in out, out


def test_a_statement_with_one_changed_byte_is_refused(
    published: dict[str, Any], tmp_path: Path
) -> None:
    for source in (published["full"], published["bare"]):
        data = bytearray(source.read_bytes())
        for i in (0, len(data) // 3, len(data) // 2, len(data) - 2):
            altered = bytearray(data)
            altered[i] = (altered[i] + 1) % 256
            bad = tmp_path / f"altered-{i}.json"
            bad.write_bytes(bytes(altered))
            code, out = command("verify", "--against", str(bad))
            assert code == 2 and "NOT AUTHENTIC" in out, (i, out)


def test_heads_only_names_a_rechained_carrier_and_leaves_an_edit_in_place_to_the_chains(
    published: dict[str, Any],
) -> None:
    target, (left, _right) = published["target"], published["others"]
    with insider():
        sql("UPDATE custody_event SET late = %s WHERE carrier_id = %s AND seq = 2", True, target.pk)
        rechain(target, from_seq=2)
        sql("UPDATE custody_event SET late = %s WHERE carrier_id = %s AND seq = 1", True, left.pk)
    code, out = command("verify", "--against", str(published["full"]), "--heads-only")
    assert code == 1 and named(out) == {target.code}, out
    code, out = command("verify", "--against", str(published["full"]))
    assert code == 1 and named(out) == {target.code, left.code}, out


def test_a_carrier_row_deleted_alone_is_named_and_nothing_crashes(
    published: dict[str, Any],
) -> None:
    target = published["target"]
    with insider():
        sql("DELETE FROM registry_carrier WHERE id = %s", target.pk)
    code, out = command("verify", "--against", str(published["full"]))
    assert code == 1 and f"CHANGED {target.code}: the carrier is gone from the ledger" in out
    code, out = command("verify")
    assert code == 1 and f"BROKEN #{target.pk} seq 1: the carrier row is gone" in out
    with insider():  # finish the erasure, so the test database's constraint check passes
        erase(Carrier, [target.pk])
