"""backend/custody/ingest.py: recording scans against the ledger, through each store."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.alerts.models import Alert
from backend.custody.models import CustodyEvent, ScanRefusal
from backend.custody.services import ScanIn, scans_ingest
from backend.custody.verify import ledger_verify
from backend.inventory.models import Stocktake
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from backend.registry.services import device_create

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("each_store")]


def ingest(person: Any, *scans: ScanIn) -> list[Any]:
    return scans_ingest(scans=list(scans), principal=Principal(person=person))


def s(action: str, carrier: Carrier, **kw: Any) -> ScanIn:
    codes = {k: (v.code if hasattr(v, "code") else v) for k, v in kw.items()}
    return ScanIn(id=codes.pop("id", uuid.uuid4()), action=action, carrier=carrier.code, **codes)


def test_registration_opens_the_chain_at_seq_one(make_carrier: Any) -> None:
    carrier = make_carrier()
    event = CustodyEvent.objects.get(carrier=carrier)
    assert (event.seq, event.action, carrier.seq, carrier.head_hash) == (
        1,
        "register",
        1,
        event.hash,
    )


def test_checkout_and_return_move_custody_and_the_deadline(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    [out] = ingest(unit.clerk, s("checkout", carrier, counterpart=unit.reader, location=unit.desk))
    carrier.refresh_from_db()
    assert out.status == "recorded"
    assert (carrier.status, carrier.custodian, carrier.seq) == ("in_use", unit.reader, 2)
    assert carrier.due_at is not None and carrier.due_at > timezone.now()
    [back] = ingest(unit.clerk2, s("return", carrier, location=unit.safe))
    carrier.refresh_from_db()
    assert back.status == "recorded"
    assert (carrier.status, carrier.custodian, carrier.due_at) == ("in_storage", unit.clerk2, None)
    assert ledger_verify().ok


def test_the_same_batch_sent_three_times_records_each_scan_once(
    unit: Any, make_carrier: Any
) -> None:
    a, b = make_carrier(), make_carrier()
    batch = [
        s("checkout", a, counterpart=unit.reader),
        s("store", b, location=unit.safe2),
        s("return", a),
    ]
    first = ingest(unit.clerk, *batch)
    again = [ingest(unit.clerk, *batch) for _ in range(2)]
    assert [r.status for r in first] == ["recorded"] * 3
    for results in again:
        assert [r.status for r in results] == ["duplicate"] * 3
        assert [r.event.seq for r in results] == [r.event.seq for r in first]
    assert CustodyEvent.objects.filter(id__in=[x.id for x in batch]).count() == 3
    assert Carrier.objects.get(id=a.id).seq == 3


def test_a_duplicate_answers_with_the_recorded_event_whatever_the_body(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    scan_id = uuid.uuid4()
    [first] = ingest(unit.clerk, s("store", carrier, id=scan_id, location=unit.safe2))
    [again] = ingest(unit.clerk, s("report_lost", carrier, id=scan_id))
    assert again.status == "duplicate" and again.event.action == "store"
    assert again.event.hash == first.event.hash


def test_a_rejected_scan_does_not_stop_the_rest_of_the_batch(unit: Any, make_carrier: Any) -> None:
    a, b = make_carrier(), make_carrier()
    results = ingest(
        unit.clerk,
        s("return", a),  # a is registered, not in use
        s("checkout", b, counterpart=unit.reader),
    )
    assert [r.status for r in results] == ["rejected", "recorded"]
    assert results[0].error.code == "invalid_transition"


def test_every_refusal_is_logged(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    bad = s("return", carrier)
    ingest(unit.clerk, bad, s("checkout", carrier, counterpart=unit.low))
    reasons = set(ScanRefusal.objects.values_list("reason", flat=True))
    assert reasons == {"invalid_transition", "clearance_insufficient"}
    assert ScanRefusal.objects.filter(scan_id=bad.id, token_person=unit.clerk).exists()


def test_scans_in_one_batch_see_each_others_effects(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    results = ingest(
        unit.clerk,
        s("checkout", carrier, counterpart=unit.reader),
        s("return", carrier),
        s("transfer", carrier, counterpart=unit.clerk2),
    )
    assert [r.event.seq for r in results] == [2, 3, 4]
    assert [r.event.prev_hash for r in results[1:]] == [r.event.hash for r in results[:-1]]
    assert ledger_verify().ok


def test_a_late_scan_keeps_its_time_computes_its_deadline_from_it_and_is_marked(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    earlier = timezone.now() - timedelta(hours=3)
    ingest(unit.clerk, s("store", carrier, location=unit.safe2))
    [late] = ingest(unit.clerk, s("dispatch", carrier, occurred_at=earlier))
    assert late.status == "recorded" and late.event.late is True
    assert late.event.occurred_at == earlier
    assert late.event.due_at == earlier + timedelta(hours=72)


def test_a_checkout_without_a_due_time_is_due_at_close_of_business(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    [out] = ingest(unit.clerk, s("checkout", carrier, counterpart=unit.reader))
    local = out.event.due_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert (local.hour, local.minute) == (18, 0)
    assert timedelta(0) < out.event.due_at - out.event.occurred_at <= timedelta(days=1)


def test_a_sighting_away_from_the_ledger_is_recorded_and_raises_one_alert(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    results = ingest(
        unit.clerk,
        s("inventory", carrier, location=unit.safe2),
        s("inventory", carrier, location=unit.desk),
    )
    assert [r.status for r in results] == ["recorded", "recorded"]
    assert "mismatch" in results[0].event.payload
    alert = Alert.objects.get(kind="custody_mismatch", carrier=carrier)
    assert alert.status == "open" and alert.opened_at == results[0].event.occurred_at


def test_the_full_destruction_procedure(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    w1, w2, _ = unit.witnesses
    steps = [
        (unit.clerk, s("destroy_request", carrier)),
        (unit.approver, s("destroy_approve", carrier)),
        (unit.clerk, s("destroy", carrier, location=unit.site)),  # no witnesses yet
        (unit.clerk, s("destroy_witness", carrier, counterpart=w1)),
        (unit.clerk, s("destroy_witness", carrier, counterpart=w1)),  # same witness twice
        (unit.clerk, s("destroy", carrier)),  # one witness only
        (w2, s("destroy_witness", carrier, counterpart=w2)),  # a witness scanning their own badge
        (unit.clerk, s("destroy", carrier, location=unit.site)),
        (unit.clerk, s("checkout", carrier, counterpart=unit.reader)),
    ]
    statuses = [ingest(who, scan)[0].status for who, scan in steps]
    assert statuses == [
        "recorded",
        "recorded",
        "rejected",
        "recorded",
        "rejected",
        "rejected",
        "recorded",
        "recorded",
        "rejected",
    ]
    carrier.refresh_from_db()
    assert carrier.status == "destroyed" and carrier.due_at is None


def test_a_person_token_cannot_speak_for_another_actor(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    [out] = ingest(unit.clerk, s("store", carrier, actor=unit.clerk2, location=unit.safe))
    assert out.status == "rejected" and out.error.code == "forbidden"


def test_a_device_records_at_its_own_location_only(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    device = device_create(name="desk-1", location=unit.desk)
    principal = Principal(device=device)
    elsewhere = scans_ingest(
        scans=[s("inventory", carrier, actor=unit.clerk, location=unit.safe)], principal=principal
    )
    assert elsewhere[0].status == "rejected" and elsewhere[0].error.code == "forbidden"
    here = scans_ingest(
        scans=[s("checkout", carrier, actor=unit.clerk, counterpart=unit.reader)],
        principal=principal,
    )
    assert here[0].status == "recorded"
    assert (here[0].event.location, here[0].event.device) == (unit.desk, device)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("carrier", "CXZ-00000001Q", "bad_check_character"),
        ("counterpart", "P-NOBODY", "bad_check_character"),
        ("action", "borrow", "invalid"),
    ],
)
def test_bad_codes_and_actions_are_refused_before_any_lookup(
    unit: Any, make_carrier: Any, field: str, value: str, code: str
) -> None:
    carrier = make_carrier()
    fields: dict[str, Any] = {
        "id": uuid.uuid4(),
        "action": "checkout",
        "carrier": carrier.code,
        "counterpart": unit.reader.code,
    }
    fields[field] = value
    [out] = scans_ingest(scans=[ScanIn(**fields)], principal=Principal(person=unit.clerk))
    assert out.status == "rejected" and out.error.code == code


def test_an_unknown_but_well_formed_carrier_is_unknown_code(unit: Any) -> None:
    from labels.codes import check_character

    ghost = "CXZ-GHOST01" + check_character("CXZ-GHOST01")
    [out] = scans_ingest(
        scans=[ScanIn(id=uuid.uuid4(), action="store", carrier=ghost, location=unit.safe.code)],
        principal=Principal(person=unit.clerk),
    )
    assert out.error.code == "unknown_code"


def test_expected_seq_turns_a_lost_race_into_a_conflict(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    [out] = ingest(unit.clerk, s("store", carrier, location=unit.safe2, expected_seq=5))
    assert out.error.code == "conflict"
    [ok] = ingest(unit.clerk, s("store", carrier, location=unit.safe2, expected_seq=1))
    assert ok.status == "recorded"


def test_lost_carriers_are_due_for_reporting_within_24_hours(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    [out] = ingest(unit.clerk, s("report_lost", carrier))
    assert out.event.due_at - out.event.occurred_at == timedelta(hours=24)
    [found] = ingest(unit.clerk, s("found", carrier, location=unit.desk))
    carrier.refresh_from_db()
    assert found.status == "recorded" and (carrier.status, carrier.due_at) == ("in_storage", None)


def test_a_stocktake_sighting_counts_only_while_open_and_at_its_location(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    stocktake = Stocktake.objects.create(
        location=unit.safe, opened_by=unit.clerk, opened_at=timezone.now()
    )
    [elsewhere] = ingest(
        unit.clerk, s("inventory", carrier, location=unit.safe2, inventory=stocktake.id)
    )
    [wrong_action] = ingest(
        unit.clerk, s("store", carrier, location=unit.safe, inventory=stocktake.id)
    )
    [here] = ingest(unit.clerk, s("inventory", carrier, location=unit.safe, inventory=stocktake.id))
    Stocktake.objects.filter(id=stocktake.id).update(closed_at=timezone.now())
    [late] = ingest(unit.clerk, s("inventory", carrier, location=unit.safe, inventory=stocktake.id))
    assert elsewhere.error.details["reason"] == "stocktake_elsewhere"
    assert wrong_action.error.code == "invalid"
    assert here.status == "recorded" and here.event.payload["inventory"] == stocktake.id
    assert late.error.details["reason"] == "stocktake_closed"
