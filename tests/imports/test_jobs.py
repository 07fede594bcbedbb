"""Large imports on the worker (backend/imports/jobs.py): progress, the report, and a worker
killed halfway (SIGKILL) that leaves nothing half-imported, then a re-run that completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from openpyxl import Workbook

from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.imports.jobs import import_run, import_start
from backend.imports.models import ImportBatch, ImportJob
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from backend.registry.services import location_create, person_create

ROOT = Path(__file__).resolve().parents[2]
HEADINGS = ["编号", "名称", "载体形式", "制发日", "密级", "保密期限", "保管人", "存放位置"]


@pytest.fixture(autouse=True)
def _var_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def register(n: int, custodian: str, place: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["涉密载体登记簿"])
    sheet.append([])
    sheet.append(HEADINGS)
    for i in range(n):
        day = date(2020, 1, 1) + timedelta(days=i % 900)
        sheet.append(["", f"文件{i}", "纸介质", day, "秘密", "10年", custodian, place])
    path = Path(settings.VAR_DIR) / "upload.xlsx"
    book.save(path)
    return path.read_bytes()


def test_a_job_reports_progress_and_its_result_and_removes_the_file(unit: Any) -> None:
    registrar = Principal(person=unit.registrar)
    with pytest.raises(ServiceError):
        import_start(principal=registrar, file_name="x.pdf", content=b"%PDF")
    content = register(4500, unit.clerk.code, "safe")
    job = import_start(principal=registrar, file_name="台账.xlsx", content=content)
    stored = Path(settings.VAR_DIR) / job.file
    assert stored.read_bytes() == content
    job = import_run(job_id=job.pk)
    assert (job.status, job.done, job.error) == ("done", 4500, "")
    assert job.report["new"] == 4500 and job.report["written"] is True
    assert "4500 new, 0 already present." in job.report["lines"]
    assert Carrier.objects.count() == 4500 and not stored.exists()
    assert import_run(job_id=job.pk).report == job.report  # a finished job is left alone

    again = import_start(principal=registrar, file_name="台账.xlsx", content=content)
    again = import_run(job_id=again.pk)
    assert "0 new, 4500 already present." in again.report["lines"]
    bad = import_start(principal=registrar, file_name="bad.csv", content=b"\xff\xfe junk")
    bad = import_run(job_id=bad.pk)
    assert bad.status == "failed" and bad.error


RUN = """
import django, sys
django.setup()
from backend.imports.jobs import import_run
import_run(job_id=int(sys.argv[1]))
"""


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_halfway_leaves_nothing_and_the_rerun_completes_it(
    tmp_path: Path,
) -> None:
    clerk = person_create(name="保管员", clearance="top_secret", roles=["clerk"])
    registrar = person_create(name="登记员", clearance="top_secret", roles=["registrar"])
    location_create(name="保密柜", kind="safe")
    n = 8000
    content = register(n, clerk.code, "保密柜")
    job = import_start(
        principal=Principal(person=registrar), file_name="大台账.xlsx", content=content
    )
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        CUSTOS_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    if connection.vendor != "postgresql":
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    worker = subprocess.Popen([sys.executable, "-c", RUN, str(job.pk)], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while ImportJob.objects.get(pk=job.pk).status != "writing":
            assert worker.poll() is None, "the run ended before it began writing"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.3)  # well into the one transaction that writes 8,000 carriers
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait()
    assert worker.returncode == -signal.SIGKILL
    # The write was one transaction: the kill took all of it.
    assert Carrier.objects.count() == 0
    assert CustodyEvent.objects.count() == 0
    assert not ImportBatch.objects.exists()

    job = import_run(job_id=job.pk)  # the redelivered task
    assert job.status == "done" and job.report["new"] == n
    assert Carrier.objects.count() == n and CustodyEvent.objects.count() == n
