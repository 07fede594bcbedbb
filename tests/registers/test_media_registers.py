"""A classified computer with two disks, through its life: registered, one disk removed and
destroyed, the computer sent for repair; the ledger and both media registers show each step
(backend/registers/media.py, the storage rules in backend/custody/lifecycle/)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from django.utils import timezone

from backend.custody.verify import ledger_verify
from backend.registers import render
from backend.registers.selectors import Filters, register_open
from backend.registry.media_services import MediumSpec
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from tests.conftest import scan
from tests.registers.test_registers import HEAD, post, sheet


def one(api: Any, body: dict[str, Any]) -> dict[str, Any]:
    [result] = api.post("/scans", {"scans": [body]}).json()["results"]
    return result


def test_a_computer_with_two_disks_one_removed_and_destroyed_then_sent_for_repair(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier], make_location: Any
) -> None:
    pc = make_carrier(
        "secret",
        form="device",
        medium=MediumSpec(kind="computer", serial="PC-2026-01", maker="联想", model="M720"),
    )
    disks = [
        make_carrier(
            "secret",
            form="magnetic",
            medium=MediumSpec(
                kind="internal_disk", serial=f"WD-{n}", maker="WD", capacity="1 TB", host=pc
            ),
        )
        for n in (1, 2)
    ]
    clerk = api_as(unit.clerk)
    repair = make_location("repair", "维修点")

    # Outside repair with both disks inside: refused, naming the storage still inside.
    refused = one(clerk, scan("repair_out", pc, location=repair))
    assert refused["status"] == "rejected"
    assert refused["error"]["code"] == "storage_inside"
    assert refused["error"]["details"]["storage"] == ",".join(sorted(d.code for d in disks))

    # An installed disk moves only with its computer: not checked out or put up on its own.
    alone = one(clerk, scan("checkout", disks[0], counterpart=unit.reader))
    assert alone["error"]["code"] == "invalid_transition"
    assert alone["error"]["details"] == {"reason": "installed", "host": pc.code}
    assert (
        one(clerk, scan("destroy_request", disks[0]))["error"]["details"]["reason"] == "installed"
    )

    # Disk 1 is taken out by a recorded scan, then destroyed by the witnessed procedure.
    removed = one(clerk, scan("remove_storage", disks[0], location=unit.desk))
    assert removed["status"] == "recorded", removed
    assert one(clerk, scan("remove_storage", disks[0]))["error"]["code"] == "invalid_transition"
    post(clerk, scan("destroy_request", disks[0]))
    post(api_as(unit.approver), scan("destroy_approve", disks[0]))
    post(clerk, scan("destroy_witness", disks[0], counterpart=unit.witnesses[0]))
    post(clerk, scan("destroy_witness", disks[0], counterpart=unit.witnesses[1]))
    post(clerk, scan("destroy", disks[0], location=unit.site))

    # Disk 2 is still inside, so it goes where the computer goes, on its own chain too.
    post(clerk, scan("checkout", pc, counterpart=unit.reader))
    post(clerk, scan("return", pc, location=unit.safe))

    # Disk 2 is still inside: an outside repair is still refused; on site, supervised, not.
    again = one(clerk, scan("repair_out", pc, location=repair))
    assert again["error"]["code"] == "storage_inside"
    assert again["error"]["details"]["storage"] == disks[1].code
    on_site = one(clerk, scan("repair_out", pc, location=repair, on_site=True))
    assert on_site["status"] == "recorded", on_site

    committee = api_as(unit.committee)
    disk_events = committee.get(f"/carriers/{disks[0].code}/events").json()
    assert [e["action"] for e in disk_events] == [
        "register",
        "remove_storage",
        "destroy_request",
        "destroy_approve",
        "destroy_witness",
        "destroy_witness",
        "destroy",
    ]
    assert disk_events[1]["payload"]["host"] == pc.code
    pc_events = committee.get(f"/carriers/{pc.code}/events").json()
    assert [e["action"] for e in pc_events] == ["register", "checkout", "return", "repair_out"]
    assert pc_events[-1]["payload"]["on_site"] is True
    # Disk 2 followed each move of the computer in its own ledger, marked as such; disk 1,
    # removed before them, did not.
    kept = committee.get(f"/carriers/{disks[1].code}/events").json()
    assert [(e["action"], e["payload"].get("with_host")) for e in kept] == [
        ("register", None),
        ("checkout", pc.code),
        ("return", pc.code),
        ("repair_out", pc.code),
    ]
    assert kept[1]["counterpart"] == unit.reader.code and kept[3]["payload"]["on_site"] is True
    assert [e["occurred_at"] for e in kept[1:]] == [e["occurred_at"] for e in pc_events[1:]]
    disk, computer = (committee.get(f"/carriers/{c.code}").json() for c in (disks[1], pc))
    assert disk["status"] == computer["status"] == "in_repair"
    assert (disk["custodian"], disk["location"]) == (computer["custodian"], computer["location"])
    assert ledger_verify().ok
    assert committee.get(f"/carriers/{disks[1].code}").json()["medium"]["host"] == pc.code
    assert committee.get(f"/carriers/{disks[0].code}").json()["medium"]["host"] is None

    media = sheet(committee.get("/registers/media.xlsx"))
    assert media[0][0] == "涉密存储介质登记簿"
    by_code = {r[0]: r for r in media[HEAD:]}
    assert set(by_code) == {d.code for d in disks}
    assert by_code[disks[0].code][1:9] == (
        "硬盘",
        "WD",
        "WD-1",
        "1 TB",
        "机密",
        "机密",
        None,  # removed: in no device any more
        by_code[disks[0].code][8],
    )
    assert by_code[disks[0].code][9] == "已销毁"
    assert by_code[disks[1].code][7] == pc.code and by_code[disks[1].code][9] == "维修中"

    computers = sheet(committee.get("/registers/computers.xlsx"))
    assert computers[0][0] == "涉密计算机登记簿"
    [row] = computers[HEAD:]
    assert row[:6] == (
        pc.code,
        "计算机",
        "联想 M720",
        "PC-2026-01",
        "机密",
        f"{disks[1].code} WD-2",
    )
    assert row[7] == "维修中"
    if os.environ.get("CUSTOS_WRITE_DOCS"):  # regenerates docs/registers/{media,computers}.*
        folder = Path(__file__).resolve().parents[2] / "docs" / "registers"
        for name in ("media", "computers"):
            data = b"".join(committee.get(f"/registers/{name}.pdf").streaming_content)
            (folder / f"{name}.pdf").write_bytes(data)
            image = pdfium.PdfDocument(data)[0].render(scale=150 / 72).to_pil()
            image.save(folder / f"{name}.png")

    for name, count in (("computers", 1), ("media", 2)):
        response = committee.get(f"/registers/{name}.pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        page = pdfium.PdfDocument(b"".join(response.streaming_content))[0]
        # Something is drawn: the grid and text darken the page (the text is outlines).
        assert page.render(scale=1).to_pil().convert("L").getextrema()[0] < 100
        register = register_open(
            principal=Principal(person=unit.committee), name=name, filters=Filters()
        )
        assert render.pdf(register, io.BytesIO(), generated=timezone.now()) == count
