"""backend/custody/store and hooks: the two stores answer alike, and the apps above custody
act through its hooks, not through custody importing them."""

from __future__ import annotations

import ast
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend import rows
from backend.alerts.models import Alert
from backend.custody import hooks
from backend.custody.locks import carrier_lock
from backend.custody.models import CustodyEvent
from backend.custody.services import ScanIn, scans_ingest
from backend.custody.store import ledger_store
from backend.custody.verify import ledger_verify
from backend.errors import ServiceError
from backend.printing.models import PrintedLabel
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from labels.codes import Kind, generate

T = TypeVar("T")
CUSTODY = Path(__file__).resolve().parents[2] / "backend" / "custody"
ABOVE = (
    "alerts",
    "inventory",
    "printing",
    "classification",
    "registers",
    "security",
    "api",
    "desk",
    "core",
    "worker",
)


def _story(unit: Any, carriers: list[Carrier], tag: str) -> list[ScanIn]:
    """One batch with every kind of answer: recorded, refused by the lifecycle, unknown,
    a mismatch, a stale ``expected_seq``, and a resent id (duplicate)."""
    a, b, c = carriers
    resent = uuid.uuid5(uuid.NAMESPACE_URL, f"custos-store-{tag}")
    return [
        ScanIn(id=resent, action="checkout", carrier=a.code, counterpart=unit.reader.code),
        ScanIn(id=resent, action="checkout", carrier=a.code, counterpart=unit.reader.code),
        ScanIn(id=uuid.uuid4(), action="checkout", carrier=b.code, counterpart=unit.low.code),
        ScanIn(id=uuid.uuid4(), action="inventory", carrier=c.code, location=unit.safe2.code),
        ScanIn(id=uuid.uuid4(), action="return", carrier=a.code, location=unit.safe.code),
        ScanIn(id=uuid.uuid4(), action="store", carrier=b.code, expected_seq=7),
        ScanIn(id=uuid.uuid4(), action="store", carrier="C" + "0" * 9 + "X"),
    ]


def _answers(results: list[Any], carriers: list[Carrier]) -> list[Any]:
    out: list[Any] = []
    for r in results:
        event = r.event
        out.append(
            (
                r.status,
                r.error.code if r.error else None,
                (event.seq, event.action, sorted(event.payload)) if event else None,
            )
        )
    for carrier in carriers:
        carrier.refresh_from_db()
        out.append((carrier.status, carrier.custodian_id, carrier.seq, carrier.due_at is None))
        out.append(Alert.objects.filter(carrier=carrier).exclude(status="resolved").count())
    return out


# What _story's scans come to, in order.
STORY = ["recorded", "duplicate", "rejected", "recorded", "recorded", "rejected", "rejected"]


def _in_both_stores(run: Callable[[str], T]) -> T:
    """``run(store name)`` through the ORM store, then the PostgreSQL store: the same
    answers from each, returned once."""
    seen = {}
    for name in ("orm", "postgresql"):
        settings.CUSTOS_LEDGER_STORE = name
        assert ledger_store().name == name
        seen[name] = run(name)
    del settings.CUSTOS_LEDGER_STORE
    assert seen["orm"] == seen["postgresql"]
    return seen["postgresql"]


@pytest.mark.postgres
@pytest.mark.django_db
def test_both_stores_give_the_same_answers_and_ledger(
    unit: Any, make_carrier: Any, on_postgres: bool
) -> None:
    if not on_postgres:
        pytest.skip("the PostgreSQL store runs on PostgreSQL")

    def run(name: str) -> list[Any]:
        carriers = [make_carrier(), make_carrier(level="top_secret"), make_carrier()]
        results = scans_ingest(
            scans=_story(unit, carriers, name), principal=Principal(person=unit.clerk)
        )
        return _answers(results, carriers)

    answers = _in_both_stores(run)
    assert [s for s, _, _ in answers[:7]] == STORY
    assert ledger_verify().ok


def reprinted(unit: Any, carrier: Carrier) -> str:
    """A reprint as printing records it: the carrier's own code voided, a new code current."""
    new_code = generate(Kind.CARRIER, prefix=settings.CUSTOS_UNIT, length=10)
    PrintedLabel.objects.create(
        code=carrier.code, carrier=carrier, copies=0, voided_at=timezone.now()
    )
    PrintedLabel.objects.create(
        code=new_code,
        carrier=carrier,
        copies=1,
        printed_at=timezone.now(),
        printed_by=unit.registrar,
    )
    return new_code


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_batch_past_the_placeholder_limit_answers_alike_in_both_stores_and_again_as_duplicates(
    unit: Any, make_carrier: Any, on_postgres: bool
) -> None:
    # More codes and ids than rows.one_of gives placeholders to: the PostgreSQL store
    # sends them as arrays (the lock, the recorded ids, the label lookup, the states).
    if not on_postgres:
        pytest.skip("the PostgreSQL store runs on PostgreSQL")

    def run(name: str) -> tuple[list[Any], list[Any]]:
        groups = [
            [make_carrier(), make_carrier(level="top_secret"), make_carrier()] for _ in range(8)
        ]
        relabelled = make_carrier()
        new_code = reprinted(unit, relabelled)
        batch = [s for i, g in enumerate(groups) for s in _story(unit, g, f"{name}-big-{i}")]
        batch += [
            ScanIn(
                id=uuid.uuid4(), action="checkout", carrier=new_code, counterpart=unit.reader.code
            ),
            ScanIn(id=uuid.uuid4(), action="store", carrier=relabelled.code),
        ]
        assert len({s.carrier for s in batch}) > rows.PREPARE_MAX_PARAMS
        principal = Principal(person=unit.clerk)
        first = scans_ingest(scans=batch, principal=principal)
        again = scans_ingest(scans=batch, principal=principal)
        carriers = [c for g in groups for c in g] + [relabelled]
        return _answers(first, carriers), [(r.status, r.error and r.error.code) for r in again]

    answers, resent = _in_both_stores(run)
    assert [s for s, _, _ in answers[:7]] == STORY
    assert answers[56][:2] == ("recorded", None) and answers[57][1] == "voided_label"
    # Resent, every scan that was recorded is a duplicate, and nothing is recorded twice.
    recorded = [i for i, (status, _, _) in enumerate(answers[:58]) if status == "recorded"]
    assert all(resent[i][0] == "duplicate" for i in recorded)
    assert not any(status == "recorded" for status, _ in resent)
    assert ledger_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db
def test_one_of_gives_few_values_placeholders_and_many_one_array_with_the_same_rows(
    make_carrier: Any, on_postgres: bool
) -> None:
    if not on_postgres:
        pytest.skip("arrays are PostgreSQL's")
    made = [make_carrier().code for _ in range(rows.PREPARE_MAX_PARAMS + 4)]
    few, many = made[:3], made
    few_test, few_params = rows.one_of("code", few, "text")
    many_test, many_params = rows.one_of("code", many, "text")
    assert few_test == "code IN (%s, %s, %s)" and few_params == few
    assert many_test == "code = ANY(%s::text[])" and many_params == [many]
    table = Carrier._meta.db_table
    for test, params, codes in ((few_test, few_params, few), (many_test, many_params, many)):
        [[found]] = rows.run_together(
            [(f"SELECT array_agg(code) FROM {table} WHERE {test}", params)]
        )
        assert sorted(found[0]) == sorted(codes)


@pytest.mark.django_db
@pytest.mark.usefixtures("each_store")
def test_a_reprinted_label_scans_as_its_carrier_through_the_resolver(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    new_code = reprinted(unit, carrier)
    [voided] = scans_ingest(
        scans=[
            ScanIn(
                id=uuid.uuid4(),
                action="checkout",
                carrier=carrier.code,
                counterpart=unit.reader.code,
            )
        ],
        principal=Principal(person=unit.clerk),
    )
    [moved] = scans_ingest(
        scans=[
            ScanIn(
                id=uuid.uuid4(),
                action="checkout",
                carrier=new_code,
                counterpart=unit.reader.code,
            )
        ],
        principal=Principal(person=unit.clerk),
    )
    assert voided.error is not None and voided.error.code == "voided_label"
    assert moved.status == "recorded" and moved.event.carrier.code == carrier.code


@pytest.mark.django_db
@pytest.mark.usefixtures("each_store")
def test_a_scan_check_vetoes_and_appended_events_reach_their_subscribers(
    unit: Any, make_carrier: Any
) -> None:
    kept, refused = make_carrier(), make_carrier()
    heard: list[tuple[str, int]] = []

    def listen(events: Any) -> None:
        # Inside the appending transaction, before the rows are written (hooks.py).
        heard.extend((e.carrier.code, e.seq) for e in events)
        assert not CustodyEvent.objects.filter(id__in=[e.id for e in events]).exists()

    def veto(checked: hooks.Checked) -> dict[int, ServiceError]:
        return {
            i: ServiceError("forbidden", "no")
            for i, scan, _ in checked
            if scan.carrier == refused.code
        }

    hooks.on_event_appended(listen)
    hooks.on_scan_check(veto)
    try:
        results = scans_ingest(
            scans=[
                ScanIn(
                    id=uuid.uuid4(), action="transfer", carrier=c.code, counterpart=unit.clerk2.code
                )
                for c in (kept, refused)
            ],
            principal=Principal(person=unit.clerk),
        )
    finally:
        hooks._hooks.appended.remove(listen)
        hooks._hooks.checks.remove(veto)
    assert [r.status for r in results] == ["recorded", "rejected"]
    assert results[1].error.code == "forbidden"
    assert heard == [(kept.code, 2)]
    assert CustodyEvent.objects.filter(carrier=kept, seq=2).exists()


def _imports(path: Path) -> list[tuple[str, bool]]:
    """Every module ``path`` imports, and whether the import sits inside a function."""
    tree = ast.parse(path.read_text())
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(n) for n in ast.walk(node) if n is not node)
    out: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.append((node.module, id(node) in inside))
        elif isinstance(node, ast.Import):
            out.extend((alias.name, id(node) in inside) for alias in node.names)
    return out


def test_custody_imports_no_app_above_it_and_nothing_inside_functions() -> None:
    modules = [p for p in CUSTODY.rglob("*.py") if "migrations" not in p.parts]
    assert len(modules) > 10
    upward, hidden = [], []
    for path in modules:
        for module, in_function in _imports(path):
            if module.split(".")[:2] in (["backend", app] for app in ABOVE):
                upward.append((path.name, module))
            if in_function:
                hidden.append((path.name, module))
    assert upward == []
    assert hidden == []


@pytest.mark.django_db(transaction=True)
def test_one_carrier_lock_finds_by_code_or_id_and_answers_none_for_no_carrier(
    make_carrier: Any,
) -> None:
    carrier = make_carrier()
    with transaction.atomic():
        assert carrier_lock(code=carrier.code) == carrier
        assert carrier_lock(id=carrier.id) == carrier
        assert carrier_lock(code="C" + "0" * 9 + "X") is None
    with pytest.raises(TypeError):
        carrier_lock()
    with pytest.raises(TypeError):
        carrier_lock(code=carrier.code, id=carrier.id)


@pytest.mark.django_db
@pytest.mark.usefixtures("each_store")
def test_the_people_and_places_named_ride_with_the_lock_alike_in_both_stores(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    missing = generate(Kind.PERSON)
    names = ({unit.reader.code, missing}, {unit.safe2.code})
    with transaction.atomic():
        locked = ledger_store().lock([carrier.code], [uuid.uuid4()], with_scope=False, names=names)
        empty = ledger_store().lock([], [uuid.uuid4()], with_scope=False, names=names)
    for answer in (locked, empty):
        assert answer.people == {unit.reader.code: unit.reader}
        assert answer.places == {unit.safe2.code: unit.safe2}
    assert [c.code for c in locked.carriers] == [carrier.code] and empty.carriers == []
