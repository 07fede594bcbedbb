"""Pages that take a scanned carrier code map a reprint's label to its carrier and refuse
a voided label, as ingest does — with Django's test client (no browser)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from backend.custody.models import CustodyEvent
from backend.desk.services import person_set_password
from backend.printing.services import label_reprint
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from tests.printing.conftest import FakeRawPrinter


@pytest.fixture
def zebra(settings: Any) -> Iterator[FakeRawPrinter]:
    printer = FakeRawPrinter()
    settings.CUSTOS_PRINTERS = [f"zebra=raw://127.0.0.1:{printer.port}?dpi=203&size=50x30"]
    yield printer
    printer.close()


def _client(person: Any) -> Client:
    person_set_password(person=person, password="pw", check=False)
    person.refresh_from_db()
    client = Client()
    client.force_login(person.user)
    return client


@pytest.fixture
def reprinted(unit: Any, make_carrier: Any, zebra: FakeRawPrinter) -> tuple[Carrier, str]:
    """A carrier whose original label (its own code) was voided by a reprint."""
    carrier = make_carrier("secret")
    result = label_reprint(
        principal=Principal(person=unit.registrar), code=carrier.code, printer="zebra"
    )
    return carrier, result.label.code


def test_the_timeline_opens_for_a_reprint_label_and_refuses_a_voided_one(
    unit: Any, reprinted: tuple[Carrier, str]
) -> None:
    carrier, new = reprinted
    client = _client(unit.committee)
    page = client.get(f"/carriers/{new.lower()}/")
    assert page.status_code == 200
    assert carrier.code in page.content.decode()
    refused = client.get(f"/carriers/{carrier.code}/")
    assert refused.status_code == 409
    assert carrier.code in refused.content.decode()


def test_the_destruction_site_maps_a_reprint_label_and_refuses_a_voided_one(
    unit: Any, reprinted: tuple[Carrier, str]
) -> None:
    carrier, new = reprinted
    client = _client(unit.clerk)
    panel = client.get("/destruction/site/panel/", {"carrier": new}).content.decode()
    assert carrier.code in panel
    assert 'data-ok="0"' not in panel
    refused = client.get("/destruction/site/panel/", {"carrier": carrier.code}).content.decode()
    assert new not in refused
    assert "作废" in refused  # the refusal in the page's language (Chinese by default)


def test_the_handover_banner_names_the_carrier_of_a_reprint_label(
    unit: Any, reprinted: tuple[Carrier, str]
) -> None:
    carrier, new = reprinted
    client = _client(unit.clerk)
    answer = client.post(
        "/desk/scan/",
        {
            "action": "checkout",
            "carrier": [new],
            "scan_id": [str(uuid.uuid4())],
            "counterpart": unit.reader.code,
            "location": unit.desk.code,
        },
    ).content.decode()
    assert 'data-ok="1"' in answer
    assert carrier.marking in answer  # the banner shows the carrier the label stands for
    event = CustodyEvent.objects.get(carrier=carrier, action="checkout")
    assert event.counterpart_id == unit.reader.id

    voided = client.post(
        "/desk/scan/",
        {
            "action": "return",
            "carrier": [carrier.code],
            "scan_id": [str(uuid.uuid4())],
            "location": unit.desk.code,
        },
    ).content.decode()
    assert 'data-ok="0"' in voided
    assert "voided_label" in voided


def test_the_labels_page_prints_and_shows_the_current_label(
    unit: Any, make_carrier: Any, zebra: FakeRawPrinter
) -> None:
    carrier = make_carrier("confidential")
    client = _client(unit.registrar)
    assert f'id="label-{carrier.code}" class="label-code">{carrier.code}<' in (
        client.get("/labels/").content.decode()
    )
    printed = client.post("/labels/print/", {"carrier": carrier.code, "printer": "zebra"})
    assert 'data-ok="1"' in printed.content.decode()
    again = client.post("/labels/print/", {"carrier": carrier.code, "printer": "zebra"})
    assert 'data-error="conflict"' in again.content.decode()  # a second first label: never
    assert len(zebra.wait_for(1)) == 1
    assert CustodyEvent.objects.filter(carrier=carrier, action="label_printed").count() == 1


def test_only_registrars_print_from_the_labels_page(
    unit: Any, make_carrier: Any, zebra: FakeRawPrinter
) -> None:
    carrier = make_carrier("confidential")
    answer = _client(unit.clerk).post(
        "/labels/print/", {"carrier": carrier.code, "printer": "zebra"}
    )
    assert answer.status_code == 403
    assert not CustodyEvent.objects.filter(carrier=carrier, action="label_printed").exists()
