"""backend/printing/selectors.py: the scan-time label resolver, and its cost."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from django.db import connection

from backend.custody.models import CustodyEvent
from backend.custody.services import ScanIn
from backend.custody.verify import ledger_verify
from backend.errors import ServiceError
from backend.printing.models import PrintedLabel
from backend.printing.selectors import carrier_code_for_label, label_scans_resolve
from backend.printing.services import label_reprint
from backend.registry.principals import Principal


def checked(*codes: str) -> list[tuple[int, ScanIn, dict[str, str | None]]]:
    return [
        (i, ScanIn(id=uuid.uuid4(), action="store", carrier=code), {"carrier": code})
        for i, code in enumerate(codes)
    ]


class Rejects(list):
    def __call__(self, index: int, error: ServiceError) -> None:
        self.append((index, error.code))


@pytest.mark.django_db
def test_an_empty_batch_costs_no_query(django_assert_num_queries: Any) -> None:
    reject = Rejects()
    with django_assert_num_queries(0):
        assert label_scans_resolve(checked=[], reject=reject) == []


@pytest.mark.django_db
def test_a_batch_of_never_reprinted_carriers_costs_one_query_and_passes_unchanged(
    make_carrier: Any, django_assert_num_queries: Any
) -> None:
    batch = checked(*(make_carrier().code for _ in range(50)))
    reject = Rejects()
    with django_assert_num_queries(1):
        out = label_scans_resolve(checked=batch, reject=reject)
    assert out is batch and reject == []


@pytest.mark.django_db
def test_a_batch_maps_reprint_codes_and_rejects_voided_ones_in_one_query(
    unit: Any, make_carrier: Any, printers: Any, django_assert_num_queries: Any
) -> None:
    reprinted, plain = make_carrier(), make_carrier()
    new = label_reprint(
        principal=Principal(person=unit.registrar), code=reprinted.code, printer="zebra"
    ).label.code
    batch = checked(plain.code, new, reprinted.code)
    reject = Rejects()
    # One lookup, and one more only because a voided code is in the batch (is its scan
    # id already recorded? then it is a resend, answered duplicate by ingest).
    with django_assert_num_queries(2):
        out = label_scans_resolve(checked=batch, reject=reject)
    assert [(i, s.carrier, c["carrier"]) for i, s, c in out] == [
        (0, plain.code, plain.code),
        (1, reprinted.code, reprinted.code),
    ]
    assert out[1][1].id == batch[1][1].id
    assert reject == [(2, "voided_label")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_registrars_reprinting_at_once_leave_one_label_that_scans(
    unit: Any, make_carrier: Any, printers: Any
) -> None:
    carrier = make_carrier()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def reprint() -> None:
        barrier.wait()
        try:
            results.append(
                label_reprint(
                    principal=Principal(person=unit.registrar), code=carrier.code, printer="zebra"
                ).label.code
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=reprint) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    # The lock serialised them: the second voided the first's label, and only the second
    # label scans.
    current = PrintedLabel.objects.get(carrier=carrier, voided_at__isnull=True)
    events = CustodyEvent.objects.filter(carrier=carrier, action="label_printed").order_by("seq")
    first, second = (e.payload for e in events)
    assert second["voided"] == [first["label"]]
    assert current.code == second["label"]
    assert sorted(results) == sorted([first["label"], second["label"]])
    assert ledger_verify().ok


@pytest.mark.django_db
def test_a_single_scanned_code_resolves_the_same_way(
    unit: Any, make_carrier: Any, printers: Any
) -> None:
    carrier, plain = make_carrier(), make_carrier()
    new = label_reprint(
        principal=Principal(person=unit.registrar), code=carrier.code, printer="zebra"
    ).label.code
    assert carrier_code_for_label(f" {new.lower()} ") == carrier.code
    assert carrier_code_for_label(plain.code) == plain.code
    with pytest.raises(ServiceError) as refused:
        carrier_code_for_label(carrier.code)
    assert refused.value.code == "voided_label" and refused.value.status == 409
