"""Printing badges and location plates to a raw-9100 printer: what arrives, what is kept."""

from __future__ import annotations

from typing import Any

import pytest

import labels
from backend.printing.models import BadgePrint
from tests.printing.conftest import FakeRawPrinter


def _zpl(spec: labels.LabelSpec, size: str) -> bytes:
    return labels.render(spec, "zpl", dpi=203, size=size)


@pytest.mark.django_db
def test_a_badge_print_sends_the_badge_once_per_copy_and_is_recorded(
    unit: Any, api_as: Any, printers: FakeRawPrinter
) -> None:
    answer = api_as(unit.registrar).post(
        f"/people/{unit.clerk.code.lower()}/badge/print",
        {"printer": "zebra", "copies": 2, "size": "85.6x54"},
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["kind"], body["code"], body["copies"], body["printer"]) == (
        "badge",
        unit.clerk.code,
        2,
        "zebra",
    )
    expected = _zpl(
        labels.LabelSpec(
            code=unit.clerk.code,
            kind=labels.LabelKind.BADGE,
            person=unit.clerk.name,
            unit="某某市保密局机要室",
        ),
        "85.6x54",
    )
    [job] = printers.wait_for(1)
    assert job == expected * 2  # exactly the ZPL, once per copy, on one connection
    record = BadgePrint.objects.get()
    assert (record.kind, record.code, record.copies, record.printed_by_id) == (
        "badge",
        unit.clerk.code,
        2,
        unit.registrar.id,
    )


@pytest.mark.django_db
def test_a_plate_print_sends_the_plate_and_is_recorded(
    unit: Any, api_as: Any, printers: FakeRawPrinter
) -> None:
    answer = api_as(unit.admin).post(
        f"/locations/{unit.safe.code}/plate/print", {"printer": "zebra", "size": "100x50"}
    )
    assert answer.status_code == 201, answer.content
    expected = _zpl(
        labels.LabelSpec(
            code=unit.safe.code,
            kind=labels.LabelKind.PLATE,
            location=unit.safe.name,
            unit="某某市保密局机要室",
        ),
        "100x50",
    )
    assert printers.wait_for(1) == [expected]
    assert BadgePrint.objects.get().kind == "plate"


@pytest.mark.django_db
def test_a_dead_printer_answers_503_and_records_nothing(
    unit: Any, api_as: Any, printers: FakeRawPrinter
) -> None:
    answer = api_as(unit.registrar).post(
        f"/locations/{unit.safe.code}/plate/print", {"printer": "dead", "size": "100x50"}
    )
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "printer_unavailable"
    assert not BadgePrint.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "path", "status", "code"),
    [
        ("clerk", "/people/{person}/badge/print", 403, "forbidden"),
        ("registrar", "/people/P-NOBODYX/badge/print", 422, "bad_check_character"),
        ("registrar", "/locations/{person}/plate/print", 422, None),
        ("registrar", "/people/{location}/badge/print", 422, None),
    ],
)
def test_badge_and_plate_prints_refuse_the_wrong_caller_or_code(
    unit: Any, api_as: Any, printers: FakeRawPrinter, who: str, path: str, status: int, code: Any
) -> None:
    url = path.format(person=unit.reader.code, location=unit.safe.code)
    answer = api_as(getattr(unit, who)).post(url, {"printer": "zebra"})
    assert answer.status_code == status, answer.content
    if code:
        assert answer.json()["error"]["code"] == code
    assert not BadgePrint.objects.exists()
    assert printers.jobs == []
