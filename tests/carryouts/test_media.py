"""A computer carried out takes its installed disks along (custody.lifecycle.FOLLOWED,
backend/carryouts): the request covers and shows them, their own chains record the exit
and the return, and the request is back only when they are — on both ledger stores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from backend.alerts.models import Alert
from backend.alerts.sweep import sweep_run
from backend.carryouts import scans as carry_scans
from backend.carryouts.models import CarryOut
from backend.custody.verify import ledger_verify
from backend.registry.models import Carrier
from tests.carryouts.test_carry_outs import ZONE, _one, request_body
from tests.conftest import scan
from tests.custody.test_media_ingest import chain, computer, disk

pytestmark = pytest.mark.django_db


def _approve(api_as: Any, unit: Any, request_id: int) -> None:
    decided = api_as(unit.approver).post(
        f"/carry-outs/{request_id}/decision", {"decision": "approve", "opinion": "同意"}
    )
    assert decided.status_code == 200, decided.json()


def _state(carrier: Carrier) -> tuple[str, Any]:
    carrier.refresh_from_db()
    return carrier.status, carrier.due_at


def test_a_computer_carried_out_takes_its_disks_out_and_back_in_their_own_chains(
    each_store: str, unit: Any, make_carrier: Any, api_as: Any, at_monday: Any
) -> None:
    pc = computer(make_carrier)
    disks = sorted((disk(make_carrier, host=pc) for _ in range(2)), key=lambda d: d.id)
    loose = disk(make_carrier)
    made = api_as(unit.reader).post("/carry-outs", request_body([pc], [unit.reader])).json()
    # The requester names the computer; the request covers and shows its disks, implied.
    assert made["carriers"] == [pc.code]
    assert [(i["carrier"], i["with_host"], i["implied"]) for i in made["items"]] == [
        (pc.code, None, False),
        *((d.code, pc.code, True) for d in disks),
    ]
    _approve(api_as, unit, made["id"])
    clerk = api_as(unit.clerk)
    exit_scan = scan("carry_out", pc, carry_out=made["id"])
    assert _one(clerk.post("/scans", {"scans": [exit_scan]}))["status"] == "recorded"
    end_of_tuesday = datetime(2026, 12, 9, 0, 0, tzinfo=ZONE)
    for d in [pc, *disks]:
        assert _state(d) == ("off_site", end_of_tuesday), d.code
    for d in disks:
        assert chain(d) == [("register", None), ("carry_out", pc.code)]
    assert chain(loose) == [("register", None)] and _state(loose)[0] == "registered"
    got = api_as(unit.reader).get(f"/carry-outs/{made['id']}").json()
    assert got["status"] == "out" and all(i["out_at"] for i in got["items"])
    # Resent: the computer's scan is a duplicate and the disks' chains gain nothing.
    assert _one(clerk.post("/scans", {"scans": [exit_scan]}))["status"] == "duplicate"
    assert len(chain(disks[0])) == 2

    # Overdue: the sweep opens a case for each, the computer's return ends all three.
    at_monday.move_to(datetime(2026, 12, 9, 0, 1, tzinfo=ZONE))
    sweep_run()
    overdue = Alert.objects.filter(kind="carry_out_overdue", status="open")
    assert set(overdue.values_list("carrier_id", flat=True)) == {pc.id, *(d.id for d in disks)}
    # An installed disk comes back only with its computer.
    alone = _one(
        clerk.post("/scans", {"scans": [scan("carry_in", disks[0], carry_out=made["id"])]})
    )
    assert alone["error"]["code"] == "invalid_transition"
    assert alone["error"]["details"] == {"reason": "installed", "host": pc.code}
    back = scan("carry_in", pc, carry_out=made["id"], location=unit.safe)
    assert _one(clerk.post("/scans", {"scans": [back]}))["status"] == "recorded"
    for d in [pc, *disks]:
        assert _state(d) == ("in_storage", None), d.code
    assert chain(disks[1])[-1] == ("carry_in", pc.code)
    assert not overdue.exists()
    got = api_as(unit.reader).get(f"/carry-outs/{made['id']}").json()
    assert got["status"] == "returned" and all(i["in_at"] for i in got["items"])
    assert ledger_verify().ok


def test_the_request_stays_out_while_a_disk_that_went_out_is_not_back(
    each_store: str, unit: Any, make_carrier: Any, api_as: Any, at_monday: Any
) -> None:
    pc = computer(make_carrier)
    kept = disk(make_carrier, host=pc)
    made = api_as(unit.reader).post("/carry-outs", request_body([pc], [unit.reader])).json()
    _approve(api_as, unit, made["id"])
    clerk = api_as(unit.clerk)
    _one(clerk.post("/scans", {"scans": [scan("carry_out", pc, carry_out=made["id"])]}))
    # The disk is reported lost while out: the computer comes back without it.
    lost = _one(clerk.post("/scans", {"scans": [scan("report_lost", kept)]}))
    assert lost["status"] == "recorded", lost
    _one(clerk.post("/scans", {"scans": [scan("carry_in", pc, carry_out=made["id"])]}))
    assert _state(pc)[0] == "in_storage" and _state(kept)[0] == "lost"
    got = api_as(unit.reader).get(f"/carry-outs/{made['id']}").json()
    assert got["status"] == "out"
    assert {i["carrier"]: bool(i["in_at"]) for i in got["items"]} == {
        pc.code: True,
        kept.code: False,
    }


def test_a_disk_installed_after_the_request_keeps_its_computer_in(
    each_store: str, unit: Any, make_carrier: Any, api_as: Any, at_monday: Any, monkeypatch: Any
) -> None:
    pc = computer(make_carrier)
    made = api_as(unit.reader).post("/carry-outs", request_body([pc], [unit.reader])).json()
    _approve(api_as, unit, made["id"])
    clerk = api_as(unit.clerk)
    late = disk(make_carrier)
    fit = scan("install_storage", late, host=pc, location=unit.desk)
    assert _one(clerk.post("/scans", {"scans": [fit]}))["status"] == "recorded"
    exit_scan = scan("carry_out", pc, carry_out=made["id"])
    refused = _one(clerk.post("/scans", {"scans": [exit_scan]}))
    assert refused["status"] == "rejected" and refused["error"]["code"] == "not_approved"
    assert refused["error"]["details"] == {
        "reason": "not_on_request",
        "carry_out": made["id"],
        "carrier": late.code,
        "with_host": pc.code,
    }
    assert chain(pc)[-1] == ("register", None) and chain(late)[-1] == ("install_storage", None)
    # Had it slipped in between the check and the lock, it would have left with the
    # computer all the same: the request records it and waits for it.
    monkeypatch.setattr(carry_scans, "_media_off_the_request", lambda exits: {})
    assert _one(clerk.post("/scans", {"scans": [exit_scan]}))["status"] == "recorded"
    assert _state(late)[0] == "off_site"
    got = api_as(unit.reader).get(f"/carry-outs/{made['id']}").json()
    assert got["carriers"] == [pc.code]
    item = next(i for i in got["items"] if i["carrier"] == late.code)
    assert (item["with_host"], item["implied"], bool(item["out_at"])) == (pc.code, True, True)
    _one(clerk.post("/scans", {"scans": [scan("carry_in", pc, carry_out=made["id"])]}))
    assert CarryOut.objects.get(id=made["id"]).status == "returned"


def test_a_request_names_an_installed_disk_only_with_its_computer_and_checks_its_scope(
    unit: Any, make_carrier: Any, api_as: Any, at_monday: Any
) -> None:
    pc = computer(make_carrier)
    named = disk(make_carrier, host=pc)
    reader = api_as(unit.reader)
    alone = reader.post("/carry-outs", request_body([named], [unit.reader]))
    assert alone.status_code == 409
    assert alone.json()["error"]["details"] == {
        "reason": "installed",
        "code": named.code,
        "host": pc.code,
    }
    # Named with its computer, it is listed once, under the computer, as named.
    both = reader.post("/carry-outs", request_body([named, pc], [unit.reader])).json()
    assert both["carriers"] == [pc.code, named.code]
    assert [(i["carrier"], i["with_host"], i["implied"]) for i in both["items"]] == [
        (pc.code, None, False),
        (named.code, pc.code, False),
    ]
    # An implied disk's knowledge scope and level bind the people carrying it too.
    disk(make_carrier, "top_secret", host=computer(make_carrier, "top_secret"))
    private_pc = computer(make_carrier)
    disk(make_carrier, host=private_pc, scope=[unit.clerk2])
    outside = reader.post("/carry-outs", request_body([private_pc], [unit.reader]))
    assert outside.status_code == 403 and outside.json()["error"]["code"] == "outside_scope"
    assert CarryOut.objects.count() == 1
