"""Scrapping media in batches: a manifest for the destruction body, closed with its receipt
and two witnesses' scans (backend/registers/batches.py)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pypdfium2 as pdfium
from openpyxl import load_workbook

from backend.custody.models import CustodyEvent
from backend.custody.verify import ledger_verify
from backend.registry.media_services import MediumSpec
from backend.registry.models import Carrier
from tests.conftest import scan
from tests.registers.test_registers import HEAD, post


def approved_usb(make_carrier: Callable[..., Carrier], api_as: Any, unit: Any, n: int) -> Carrier:
    drive = make_carrier(
        "secret",
        form="electronic",
        medium=MediumSpec(kind="usb", serial=f"USB-{n}", maker="Netac", capacity="32 GB"),
    )
    post(api_as(unit.clerk), scan("destroy_request", drive))
    post(api_as(unit.approver), scan("destroy_approve", drive))
    return drive


def test_a_batch_lists_its_media_and_closes_only_with_two_witnesses(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    drives = [approved_usb(make_carrier, api_as, unit, n) for n in (1, 2)]
    clerk = api_as(unit.clerk)
    opened = clerk.post(
        "/destruction-batches", {"body": "市保密局销毁中心", "location": unit.site.code}
    )
    assert opened.status_code == 201, opened.content
    batch = opened.json()["id"]
    added = clerk.post(
        f"/destruction-batches/{batch}/carriers", {"carriers": [d.code for d in drives]}
    )
    assert added.status_code == 200, added.content
    assert added.json()["carriers"] == sorted(d.code for d in drives)

    xlsx = clerk.get(f"/destruction-batches/{batch}/manifest.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True)
    rows = [tuple(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0][0] == f"涉密载体销毁清单（第{batch}批）"
    assert [(r[1], r[4], r[6], r[7]) for r in rows[HEAD:]] == [
        (d.code, f"USB-{n}", "机密", "市保密局销毁中心")
        for n, d in sorted(((1, drives[0]), (2, drives[1])), key=lambda x: x[1].code)
    ]
    pdf = clerk.get(f"/destruction-batches/{batch}/manifest.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    page = pdfium.PdfDocument(b"".join(pdf.streaming_content))[0]
    assert page.render(scale=1).to_pil().convert("L").getextrema()[0] < 100

    # One witness, or the same witness twice, is not two: refused, nothing recorded.
    for witnesses in ([unit.witnesses[0].code], [unit.witnesses[0].code] * 2):
        refused = clerk.post(
            f"/destruction-batches/{batch}/close",
            {"receipt": "回执 2026-118", "witnesses": witnesses},
        )
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "witnesses_missing"
    assert not CustodyEvent.objects.filter(action="destroy_witness").exists()
    assert {Carrier.objects.get(pk=d.pk).status for d in drives} == {"pending_destruction"}

    closed = clerk.post(
        f"/destruction-batches/{batch}/close",
        {"receipt": "回执 2026-118", "witnesses": [w.code for w in unit.witnesses[:2]]},
    )
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "closed" and closed.json()["receipt"] == "回执 2026-118"
    for drive in drives:
        events = api_as(unit.committee).get(f"/carriers/{drive.code}/events").json()
        assert [e["action"] for e in events][-3:] == [
            "destroy_witness",
            "destroy_witness",
            "destroy",
        ]
        assert {e["counterpart"] for e in events[-3:-1]} == {w.code for w in unit.witnesses[:2]}
        assert Carrier.objects.get(pk=drive.pk).status == "destroyed"
    assert ledger_verify().ok
    again = clerk.post(
        f"/destruction-batches/{batch}/close",
        {"receipt": "回执 2026-118", "witnesses": [w.code for w in unit.witnesses[:2]]},
    )
    assert again.status_code == 409 and again.json()["error"]["details"]["reason"] == "batch_closed"


def test_only_approved_media_join_a_batch_and_a_refused_scan_refuses_the_close(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    clerk = api_as(unit.clerk)
    batch = clerk.post(
        "/destruction-batches", {"body": "销毁中心", "location": unit.site.code}
    ).json()["id"]
    loose = make_carrier("secret", medium=MediumSpec(kind="disc", serial="DVD-9"))
    refused = clerk.post(f"/destruction-batches/{batch}/carriers", {"carriers": [loose.code]})
    assert refused.status_code == 409
    assert refused.json()["error"]["details"]["reason"] == "not_approved"

    drive = approved_usb(make_carrier, api_as, unit, 7)
    clerk.post(f"/destruction-batches/{batch}/carriers", {"carriers": [drive.code]})
    # The requester may not witness (the lifecycle's rule): the whole close is refused.
    bad = clerk.post(
        f"/destruction-batches/{batch}/close",
        {"receipt": "R-1", "witnesses": [unit.witnesses[0].code, unit.clerk.code]},
    )
    assert bad.status_code in (403, 409)
    assert bad.json()["error"]["details"]["carrier"] == drive.code
    assert not CustodyEvent.objects.filter(carrier=drive, action="destroy_witness").exists()
    assert Carrier.objects.get(pk=drive.pk).status == "pending_destruction"
