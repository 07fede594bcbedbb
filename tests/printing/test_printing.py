"""backend/printing/services.py: printing, reprinting and voiding labels, through the API
and a fake raw-9100 printer on loopback."""

from __future__ import annotations

import io
import re
import shutil
from typing import Any

import pytest
from PIL import Image

import labels
from backend.custody.models import CustodyEvent
from backend.custody.verify import ledger_verify
from backend.printing.models import PrintedLabel
from backend.registry.models import Carrier
from labels import zpl
from labels.codes import parse
from tests.conftest import scan
from tests.labels.scan import decode

pytestmark = pytest.mark.django_db


def zpl_jobs(data: bytes) -> list[bytes]:
    """Split a raw stream into its ZPL jobs (``^XA`` … ``^XZ``)."""
    return re.findall(rb"\^XA.*?\^XZ\s*", data, flags=re.DOTALL)


def expected_zpl(carrier: Carrier, code: str) -> bytes:
    spec = labels.LabelSpec(code=code, marking=carrier.marking, unit="某某市保密局机要室")
    return labels.render(spec, "zpl", dpi=203, size="50x30")


def test_a_print_sends_exactly_the_labels_zpl_once_per_copy(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carrier = make_carrier()
    response = api_as(unit.registrar).post(
        f"/carriers/{carrier.code}/label/print", {"printer": "zebra", "copies": 3}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["label"], body["copies"], body["printer"], body["seq"]) == (
        carrier.code,
        3,
        "zebra",
        2,
    )
    [job] = printers.wait_for(1)  # one connection
    want = expected_zpl(carrier, carrier.code)
    assert job == want * 3
    assert zpl_jobs(job) == [want] * 3
    assert decode(zpl.to_image(zpl_jobs(job)[0])) == [carrier.code]  # the dots printed scan
    # And what came out of the printer is the label the GET endpoint renders.
    assert (
        api_as(unit.registrar).get(f"/carriers/{carrier.code}/label.zpl", dpi=203).content == want
    )


def test_a_print_is_a_label_printed_event_in_the_carriers_chain(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carrier = make_carrier()
    api_as(unit.registrar).post(
        f"/carriers/{carrier.code}/label/print", {"printer": "zebra", "copies": 2}
    )
    event = CustodyEvent.objects.get(carrier=carrier, seq=2)
    assert event.action == "label_printed"
    assert event.actor == unit.registrar
    assert event.payload == {
        "label": carrier.code,
        "copies": 2,
        "printer": "zebra",
        "reprint": False,
    }
    events = api_as(unit.registrar).get(f"/carriers/{carrier.code}/events").json()
    assert [e["action"] for e in events] == ["register", "label_printed"]
    assert ledger_verify().ok


def test_printing_the_first_label_twice_is_refused(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carrier = make_carrier()
    api = api_as(unit.registrar)
    assert (
        api.post(f"/carriers/{carrier.code}/label/print", {"printer": "zebra"}).status_code == 201
    )
    again = api.post(f"/carriers/{carrier.code}/label/print", {"printer": "zebra"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "conflict")
    assert len(printers.wait_for(1)) == 1
    assert CustodyEvent.objects.filter(carrier=carrier, action="label_printed").count() == 1


def test_a_printer_that_does_not_answer_leaves_nothing_recorded(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carrier = make_carrier()
    response = api_as(unit.registrar).post(
        f"/carriers/{carrier.code}/label/print", {"printer": "dead"}
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "printer_unavailable"
    carrier.refresh_from_db()
    assert carrier.seq == 1
    assert not PrintedLabel.objects.filter(carrier=carrier).exists()
    # The label was never printed, so the first print is still a first print.
    ok = api_as(unit.registrar).post(f"/carriers/{carrier.code}/label/print", {"printer": "zebra"})
    assert ok.status_code == 201


def test_print_requests_are_checked(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carrier = make_carrier()
    path = f"/carriers/{carrier.code}/label/print"
    unknown = api_as(unit.registrar).post(path, {"printer": "nowhere"})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (422, "invalid")
    assert unknown.json()["error"]["details"]["allowed"] == ["dead", "zebra"]
    assert api_as(unit.registrar).post(path, {"printer": "zebra", "copies": 0}).status_code == 422
    assert api_as(unit.clerk).post(path, {"printer": "zebra"}).status_code == 403
    Carrier.objects.filter(pk=carrier.pk).update(status="draft")
    draft = api_as(unit.registrar).post(path, {"printer": "zebra"})
    assert (draft.status_code, draft.json()["error"]["code"]) == (409, "invalid_transition")
    assert printers.jobs == []


def test_a_reprint_issues_a_new_code_and_voids_every_label_before_it(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carrier = make_carrier()
    api = api_as(unit.registrar)
    api.post(f"/carriers/{carrier.code}/label/print", {"printer": "zebra"})
    first = api.post(
        f"/carriers/{carrier.code}/label/reprint", {"printer": "zebra", "reason": "污损"}
    ).json()
    second = api.post(f"/carriers/{carrier.code}/label/reprint", {"printer": "zebra"}).json()

    assert parse(first["label"]).kind.value == "C" and first["label"] != carrier.code
    assert first["voided"] == [carrier.code]
    assert second["voided"] == [first["label"]]
    assert (first["seq"], second["seq"]) == (3, 4)
    jobs = printers.wait_for(3)
    assert jobs[1] == expected_zpl(carrier, first["label"])
    assert jobs[2] == expected_zpl(carrier, second["label"])
    assert decode(zpl.to_image(jobs[2])) == [second["label"]]
    # The GET endpoints now render the current label, with its own code.
    image = api.get(f"/carriers/{carrier.code}/label.png")
    assert decode(Image.open(io.BytesIO(image.content))) == [second["label"]]
    event = CustodyEvent.objects.get(carrier=carrier, seq=3)
    assert event.payload["reason"] == "污损" and event.payload["voided"] == [carrier.code]
    assert ledger_verify().ok


def test_a_reprint_voids_an_original_label_that_was_only_downloaded(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carrier = make_carrier()
    response = api_as(unit.registrar).post(
        f"/carriers/{carrier.code}/label/reprint", {"printer": "zebra"}
    )
    assert response.json()["voided"] == [carrier.code]
    original = PrintedLabel.objects.get(code=carrier.code)
    assert (original.copies, original.printed_at, original.voided_at is not None) == (
        0,
        None,
        True,
    )


def test_a_scan_of_a_voided_label_is_refused_and_the_new_label_records(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carrier = make_carrier()
    registrar, clerk = api_as(unit.registrar), api_as(unit.clerk)
    registrar.post(f"/carriers/{carrier.code}/label/print", {"printer": "zebra"})
    new = registrar.post(f"/carriers/{carrier.code}/label/reprint", {"printer": "zebra"}).json()

    old_scan = scan("store", carrier.code, location=unit.safe)
    new_scan = scan("store", new["label"].lower(), location=unit.safe2)
    results = clerk.post("/scans", {"scans": [old_scan, new_scan]}).json()["results"]

    assert results[0]["status"] == "rejected"
    assert results[0]["error"]["code"] == "voided_label"
    assert results[0]["error"]["details"] == {"code": carrier.code, "carrier": carrier.code}
    assert results[1]["status"] == "recorded"
    # The ledger keeps the carrier's own code as its identity, whatever label was scanned.
    assert results[1]["event"]["carrier"] == carrier.code
    carrier.refresh_from_db()
    assert (carrier.location, carrier.seq) == (unit.safe2, 4)
    assert ledger_verify().ok


def test_a_resent_scan_made_before_the_reprint_is_still_a_duplicate(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carrier = make_carrier()
    registrar, clerk = api_as(unit.registrar), api_as(unit.clerk)
    before = scan("store", carrier, location=unit.safe)
    assert clerk.post("/scans", {"scans": [before]}).json()["results"][0]["status"] == "recorded"
    registrar.post(f"/carriers/{carrier.code}/label/reprint", {"printer": "zebra"})
    [again] = clerk.post("/scans", {"scans": [before]}).json()["results"]
    assert again["status"] == "duplicate"
    assert again["event"]["seq"] == 2


def test_scans_of_carriers_never_reprinted_pass_unchanged(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    printed, plain = make_carrier(), make_carrier()
    api_as(unit.registrar).post(f"/carriers/{printed.code}/label/print", {"printer": "zebra"})
    results = (
        api_as(unit.clerk)
        .post(
            "/scans",
            {
                "scans": [
                    scan("store", printed, location=unit.safe),
                    scan("store", plain, location=unit.safe),
                ]
            },
        )
        .json()["results"]
    )
    assert [r["status"] for r in results] == ["recorded", "recorded"]


def test_a_reprint_code_cannot_collide_with_a_carrier_code(
    unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carrier = make_carrier()
    new = (
        api_as(unit.registrar)
        .post(f"/carriers/{carrier.code}/label/reprint", {"printer": "zebra"})
        .json()["label"]
    )
    # Carrier codes have an 8-character random body, reprint codes 10.
    assert len(new.split("-", 1)[1]) == 11 and len(carrier.code.split("-", 1)[1]) == 9


@pytest.mark.skipif(shutil.which("lp") is not None, reason="a real CUPS is installed")
def test_a_cups_printer_without_lp_installed_is_unavailable_and_records_nothing(
    unit: Any, make_carrier: Any, api_as: Any, settings: Any
) -> None:
    settings.CUSTOS_PRINTERS = ["office=cups://office-laser?format=pdf&dpi=600"]
    carrier = make_carrier()
    response = api_as(unit.registrar).post(
        f"/carriers/{carrier.code}/label/print", {"printer": "office"}
    )
    assert response.status_code == 503
    assert "lp" in response.json()["error"]["message"]
    assert not PrintedLabel.objects.exists()


def test_a_cups_printer_gets_the_label_through_lp(
    unit: Any, make_carrier: Any, api_as: Any, settings: Any, tmp_path: Any, monkeypatch: Any
) -> None:
    """CUPS is not installed here: an ``lp`` on PATH that records its argv and stdin
    stands in for it, so the product path (argv, copies, the bytes) is what is tested."""
    lp = tmp_path / "lp"
    lp.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$@" > {tmp_path}/argv\n'
        f"cat > {tmp_path}/job\n"
        'echo "request id is zebra-7 (1 file(s))"\n'
    )
    lp.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    settings.CUSTOS_PRINTERS = ["zq=cups://Zebra_ZD421?format=zpl&dpi=300&size=60x40"]
    settings.CUSTOS_UNIT_NAME = "某某市保密局机要室"
    carrier = make_carrier()
    response = api_as(unit.registrar).post(
        f"/carriers/{carrier.code}/label/print", {"printer": "zq", "copies": 2}
    )
    assert response.status_code == 201, response.content
    argv = (tmp_path / "argv").read_text().split()
    assert argv == ["-s", "-d", "Zebra_ZD421", "-n", "2", "-t", "custos-label", "-o", "raw"]
    spec = labels.LabelSpec(code=carrier.code, marking=carrier.marking, unit="某某市保密局机要室")
    assert (tmp_path / "job").read_bytes() == labels.render(spec, "zpl", dpi=300, size="60x40")
