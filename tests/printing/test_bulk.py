"""Bulk printing: the ``slow`` queue task, its progress row, and a real worker over Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

import labels
from backend.custody.models import CustodyEvent
from backend.custody.verify import ledger_verify
from backend.printing.models import BulkPrint
from backend.registry.models import Carrier
from tests.printing.conftest import FakeRawPrinter
from worker.tasks import slow_labels_print

ROOT = Path(__file__).resolve().parents[2]


def zpl_for(carrier: Carrier) -> bytes:
    spec = labels.LabelSpec(code=carrier.code, marking=carrier.marking, unit="某某市保密局机要室")
    return labels.render(spec, "zpl", dpi=203, size="50x30")


@pytest.mark.django_db
def test_a_bulk_print_runs_in_the_background_and_reports_its_progress(
    unit: Any, make_carrier: Any, api_as: Any, printers: FakeRawPrinter
) -> None:
    carriers = [make_carrier() for _ in range(6)]
    draft, printed = make_carrier(), carriers[2]
    Carrier.objects.filter(pk=draft.pk).update(status="draft")
    api = api_as(unit.registrar)
    assert (
        api.post(f"/carriers/{printed.code}/label/print", {"printer": "zebra"}).status_code == 201
    )
    codes = [c.code for c in carriers] + [draft.code]

    queued = api.post("/labels/print", {"codes": codes, "printer": "zebra", "copies": 2})
    assert queued.status_code == 202
    job = queued.json()
    assert (job["status"], job["total"], job["done"]) == ("queued", 7, 0)

    # The task as the worker runs it, here in-process.
    assert slow_labels_print.apply(args=[job["id"]]).get() == {"done": 7, "total": 7, "failed": 2}

    progress = api.get(f"/labels/print/{job['id']}").json()
    assert (progress["status"], progress["done"], progress["total"]) == ("done", 7, 7)
    assert {(f["code"], f["error"]) for f in progress["failed"]} == {
        (printed.code, "conflict"),
        (draft.code, "invalid_transition"),
    }
    jobs = printers.wait_for(6)
    assert len(jobs) == 6  # the single print before, then five labels of the bulk job
    want = [zpl_for(c) * 2 for c in carriers if c != printed]
    assert jobs[1:] == want
    for c in carriers:
        assert CustodyEvent.objects.filter(carrier=c, action="label_printed").count() == 1
    assert ledger_verify().ok


@pytest.mark.django_db
def test_a_bulk_print_stops_at_a_dead_printer_and_resumes_without_printing_twice(
    unit: Any, make_carrier: Any, api_as: Any, printers: FakeRawPrinter, settings: Any
) -> None:
    carriers = [make_carrier() for _ in range(4)]
    job = (
        api_as(unit.registrar)
        .post("/labels/print", {"codes": [c.code for c in carriers], "printer": "zebra"})
        .json()
    )
    live = list(settings.CUSTOS_PRINTERS)
    settings.CUSTOS_PRINTERS = [f"zebra=raw://127.0.0.1:{printers.dead_port}?dpi=203"]
    slow_labels_print.apply(args=[job["id"]])
    stopped = BulkPrint.objects.get(pk=job["id"])
    assert (stopped.status, stopped.done) == ("failed", 0)
    assert stopped.failed[0]["error"] == "printer_unavailable"

    settings.CUSTOS_PRINTERS = live
    slow_labels_print.apply(args=[job["id"]])
    slow_labels_print.apply(args=[job["id"]])  # a redelivery: nothing left to do
    done = BulkPrint.objects.get(pk=job["id"])
    assert (done.status, done.done, done.failed) == ("done", 4, [])
    assert printers.wait_for(4) == [zpl_for(c) for c in carriers]


@pytest.mark.django_db
def test_bulk_print_requests_are_checked(unit: Any, api_as: Any, printers: Any) -> None:
    api = api_as(unit.registrar)
    assert api.post("/labels/print", {"codes": [], "printer": "zebra"}).status_code == 422
    bad = api.post("/labels/print", {"codes": ["CXZ-00000001A"], "printer": "zebra"})
    assert bad.json()["error"]["code"] == "bad_check_character"
    assert (
        api_as(unit.clerk)
        .post("/labels/print", {"codes": ["CXZ-00000001M"], "printer": "zebra"})
        .status_code
        == 403
    )
    missing = api.get("/labels/print/999999")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")


# --- a real worker over Redis ---------------------------------------------------------


@pytest.fixture
def worker(transactional_db: None, printers: FakeRawPrinter) -> Iterator[subprocess.Popen[bytes]]:
    from worker.app import app

    app.control.purge()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CUSTOS_PRINTERS": f"zebra=raw://127.0.0.1:{printers.port}?dpi=203&size=50x30",
        "CUSTOS_UNIT_NAME": "某某市保密局机要室",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.app",
            "worker",
            "--loglevel",
            "WARNING",
            "--queues",
            "slow",  # only the queue bulk printing is routed to
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--hostname",
            f"labels-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (set REDIS_URL)")
def test_a_celery_worker_on_the_slow_queue_prints_a_bulk_job(
    worker: subprocess.Popen[bytes], unit: Any, make_carrier: Any, api_as: Any, printers: Any
) -> None:
    carriers = [make_carrier() for _ in range(25)]
    job = (
        api_as(unit.registrar)
        .post("/labels/print", {"codes": [c.code for c in carriers], "printer": "zebra"})
        .json()
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        row = BulkPrint.objects.get(pk=job["id"])
        if row.status in ("done", "failed"):
            break
        time.sleep(0.2)
    assert (row.status, row.done, row.failed) == ("done", 25, [])
    assert printers.wait_for(25) == [zpl_for(c) for c in carriers]
    assert worker.poll() is None
    assert ledger_verify().ok
