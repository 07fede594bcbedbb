"""Storage media in ingest (backend/custody/ingest.py, custody/media.py), through each store:
installed media follow their device's moves on their own chains, ``install_storage`` puts a
medium into a device under the high-water rule, and a device is destroyed only empty."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from backend.custody.models import CustodyEvent
from backend.custody.verify import ledger_verify
from backend.registry.media import Medium
from backend.registry.media_services import MediumSpec
from backend.registry.models import Carrier
from tests.custody.test_ingest import ingest, s
from tests.custody.test_store import reprinted

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("each_store")]


def computer(make_carrier: Any, level: str = "secret", kind: str = "computer") -> Carrier:
    spec = MediumSpec(kind=kind, serial=f"PC-{uuid.uuid4().hex[:8]}")
    return make_carrier(level, form="device", medium=spec)


def disk(
    make_carrier: Any, level: str = "secret", host: Carrier | None = None, **kw: Any
) -> Carrier:
    spec = MediumSpec(kind="internal_disk", serial=f"WD-{uuid.uuid4().hex[:8]}", host=host)
    return make_carrier(level, form="magnetic", medium=spec, **kw)


def chain(carrier: Carrier) -> list[tuple[str, str | None]]:
    return [
        (e.action, e.payload.get("with_host"))
        for e in CustodyEvent.objects.filter(carrier=carrier).order_by("seq")
    ]


def test_installed_disks_follow_every_move_of_their_computer_in_their_own_chains(
    unit: Any, make_carrier: Any, make_location: Any
) -> None:
    pc = computer(make_carrier)
    disks = [disk(make_carrier, host=pc) for _ in range(2)]
    loose = disk(make_carrier)
    repair = make_location("repair", "维修点")
    checkout = s("checkout", pc, counterpart=unit.reader, location=unit.desk)
    moves = [
        checkout,
        s("return", pc, location=unit.safe2),
        s("dispatch", pc),
        s("receive", pc, location=unit.safe),
        s("repair_out", pc, location=repair, on_site=True),
        s("repair_in", pc, location=unit.safe),
        s("inventory", pc, location=unit.safe),  # a sighting: not a move
    ]
    for move in moves:
        [result] = ingest(unit.clerk, move)
        assert result.status == "recorded", result.error
        pc.refresh_from_db()
        for d in disks:
            d.refresh_from_db()
            assert (d.status, d.custodian_id, d.location_id, d.due_at) == (
                pc.status,
                pc.custodian_id,
                pc.location_id,
                pc.due_at,
            ), move.action
    followed = [(m.action, pc.code) for m in moves[:-1]]
    for d in disks:
        assert chain(d) == [("register", None), *followed]
    assert chain(loose) == [("register", None)]
    # The follow events are the device's scan, named after it: a resent scan records nothing.
    assert [r.status for r in ingest(unit.clerk, checkout)] == ["duplicate"]
    assert len(chain(disks[0])) == len(moves)
    first = CustodyEvent.objects.get(carrier=disks[0], seq=2)
    assert first.id == uuid.uuid5(checkout.id, disks[0].code)
    assert first.counterpart_id == unit.reader.id
    assert ledger_verify().ok


def test_a_removed_disk_stays_behind_and_a_device_is_destroyed_only_empty(
    unit: Any, make_carrier: Any
) -> None:
    pc = computer(make_carrier)
    kept, taken = disk(make_carrier, host=pc), disk(make_carrier, host=pc)
    # Removed and the computer moved in one batch: the removed disk does not go along.
    results = ingest(
        unit.clerk,
        s("remove_storage", taken, location=unit.desk),
        s("store", pc, location=unit.safe2),
    )
    assert [r.status for r in results] == ["recorded", "recorded"]
    assert chain(taken) == [("register", None), ("remove_storage", None)]
    assert chain(kept)[-1] == ("store", pc.code)
    [refused] = ingest(unit.clerk, s("destroy_request", pc))
    assert refused.error.code == "storage_inside"
    assert refused.error.details["storage"] == kept.code
    ingest(unit.clerk, s("remove_storage", kept, location=unit.desk))
    assert [r.status for r in ingest(unit.clerk, s("destroy_request", pc))] == ["recorded"]


def test_a_move_one_installed_disk_may_not_make_refuses_the_computer_too(
    unit: Any, make_carrier: Any
) -> None:
    pc = computer(make_carrier)
    private = disk(make_carrier, host=pc, scope=[unit.clerk2])
    [refused] = ingest(unit.clerk, s("checkout", pc, counterpart=unit.reader))
    assert refused.status == "rejected" and refused.error.code == "outside_scope"
    assert refused.error.details["carrier"] == private.code
    assert refused.error.details["with_host"] == pc.code
    assert chain(pc) == [("register", None)] and chain(private) == [("register", None)]
    [ok] = ingest(unit.clerk, s("checkout", pc, counterpart=unit.clerk2))
    assert ok.status == "recorded"
    assert chain(private)[-1] == ("checkout", pc.code)


def test_install_storage_puts_a_disk_into_a_computer_which_it_then_follows(
    unit: Any, make_carrier: Any
) -> None:
    pc, other = computer(make_carrier), computer(make_carrier)
    d = disk(make_carrier)
    results = ingest(
        unit.clerk,
        s("install_storage", d, host=pc, location=unit.desk),
        s("install_storage", d, host=other),  # installed already: refused
        s("checkout", pc, counterpart=unit.reader),
    )
    assert [r.status for r in results] == ["recorded", "rejected", "recorded"]
    assert results[1].error.details == {"reason": "installed", "host": pc.code}
    assert results[0].event.payload == {"host": pc.code}
    assert Medium.objects.get(carrier=d).host_id == pc.id
    assert chain(d) == [("register", None), ("install_storage", None), ("checkout", pc.code)]
    d.refresh_from_db()
    assert (d.status, d.custodian_id) == ("in_use", unit.reader.id)
    assert ledger_verify().ok


@pytest.mark.parametrize("filler", [0, 20], ids=["few scans", "a batch past the fold"])
def test_install_storage_names_its_device_by_the_reprinted_label_and_refuses_the_voided_one(
    unit: Any, make_carrier: Any, filler: int
) -> None:
    # The device's label was reprinted: its new code names it, its old one is refused, as
    # for the carrier scanned (printing's code resolver, with the lock or before it).
    pc = computer(make_carrier)
    new_label = reprinted(unit, pc)
    first, second = disk(make_carrier), disk(make_carrier)
    sightings = [s("inventory", make_carrier(), location=unit.safe) for _ in range(filler)]
    results = ingest(
        unit.clerk,
        s("install_storage", first, host=new_label, location=unit.desk),
        s("install_storage", second, host=pc.code, location=unit.desk),
        *sightings,
    )
    assert results[0].status == "recorded", results[0].error
    assert results[0].event.payload == {"host": pc.code}
    assert results[1].error is not None and results[1].error.code == "voided_label"
    assert results[1].error.details == {"code": pc.code, "carrier": pc.code}
    assert all(r.status == "recorded" for r in results[2:])
    assert Medium.objects.get(carrier=first).host_id == pc.id
    assert Medium.objects.get(carrier=second).host_id is None
    assert ledger_verify().ok


def test_install_storage_follows_the_high_water_rule_and_names_a_device(
    unit: Any, make_carrier: Any
) -> None:
    secret_pc, low_pc = computer(make_carrier), computer(make_carrier, "confidential")
    phone = computer(make_carrier, kind="phone")
    secret_disk, low_disk = disk(make_carrier), disk(make_carrier, "confidential")
    paper = make_carrier()
    results = ingest(
        unit.clerk,
        s("install_storage", secret_disk, host=low_pc),
        s("install_storage", low_disk, host=paper),
        s("install_storage", secret_pc, host=phone),
        s("install_storage", low_disk),
        s("install_storage", low_disk, host=secret_pc),
    )
    codes = [(r.error.code, r.error.details.get("reason")) if r.error else "ok" for r in results]
    assert codes == [
        ("level_lowered", None),
        ("invalid_transition", "host_not_device"),
        ("invalid_transition", "not_storage"),
        ("invalid", None),
        "ok",
    ]
    assert results[0].error.details == {
        "high_water": "secret",
        "level": "confidential",
        "host": low_pc.code,
    }
    # The confidential disk now holds secret information: its level and mark rise.
    assert results[4].event.payload == {
        "host": secret_pc.code,
        "level": "secret",
        "old_level": "confidential",
    }
    medium = Medium.objects.select_related("carrier").get(carrier=low_disk)
    assert (medium.high_water, medium.carrier.level, medium.host_id) == (
        "secret",
        "secret",
        secret_pc.id,
    )
    assert Medium.objects.get(carrier=secret_disk).host_id is None
