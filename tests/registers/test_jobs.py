"""Background register exports (backend/registers/jobs.py): the same file as the API, as
the person who asked; progress as it goes; refusals and failures in plain words."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from backend.desk.services import person_set_password
from backend.errors import ServiceError
from backend.registers import jobs
from backend.registers.models import RegisterExport
from backend.registry.principals import Principal
from worker.tasks import slow_registers_export, slow_registers_prune

HEAD = 3


@pytest.fixture(autouse=True)
def _var_dir(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _rows(data: bytes) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    rows = [tuple(r) for r in book.active.iter_rows(values_only=True)]
    # Row 2 carries the time the file was generated; the rest must match cell by cell.
    return rows[:1] + rows[2:]


def _client(person: Any) -> Client:
    person_set_password(person=person, password="pw", check=False)
    client = Client()
    assert client.post("/", {"username": person.code, "password": "pw"}).status_code == 302
    return client


def test_a_background_export_writes_the_apis_register_with_the_askers_need_to_know(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    secret = make_carrier("top_secret", title="绝密标题ALPHA", basis="绝密依据ALPHA")
    plain = make_carrier("confidential", title="秘密标题CHARLIE")
    # A witness cleared for 机密: the 绝密 row is there, its title and basis are not.
    reader = unit.witnesses[0]
    job = jobs.register_export_start(
        principal=Principal(person=reader), name="carriers", fmt="xlsx", filters={}
    )
    assert job.status == "queued"
    done = slow_registers_export.apply(args=[job.pk]).get()
    assert done == {"status": "done", "done": 2, "total": 2}
    job.refresh_from_db()
    assert (job.done, job.total, job.title) == (2, 2, "涉密载体登记簿")
    data = (Path(settings.VAR_DIR) / job.file).read_bytes()
    assert job.size == len(data)
    from_api = b"".join(api_as(reader).get("/registers/carriers.xlsx").streaming_content)
    assert _rows(data) == _rows(from_api)
    cells = {r[0]: r for r in _rows(data)[HEAD - 1 :]}
    assert cells[secret.code][1] is None and cells[secret.code][6] is None
    assert cells[plain.code][1] == "秘密标题CHARLIE"
    # Run again (a redelivered message): nothing changes.
    assert slow_registers_export.apply(args=[job.pk]).get()["status"] == "done"


def test_the_filters_reach_the_register_and_progress_is_stored_as_rows_are_written(
    unit: Any, make_carrier: Any, monkeypatch: Any
) -> None:
    for _ in range(5):
        make_carrier("secret")
    make_carrier("confidential")
    seen: list[int] = []  # ``done`` as the database holds it when each row goes on
    monkeypatch.setattr(jobs, "PROGRESS_ROWS", 2)
    original = jobs._Counter.wrap

    def wrap(self: Any, rows: Any) -> Any:
        for row in original(self, rows):
            seen.append(RegisterExport.objects.values_list("done", flat=True).get(pk=self.job_id))
            yield row

    monkeypatch.setattr(jobs._Counter, "wrap", wrap)
    job = jobs.register_export_start(
        principal=Principal(person=unit.committee),
        name="carriers",
        fmt="pdf",
        filters={"level": "secret"},
    )
    job = jobs.register_export_run(job_id=job.pk)
    assert job.status == "done" and (job.done, job.total) == (5, 5)
    # Before row n is handed on, the row holds the last multiple of 2 below it.
    assert seen == [0, 0, 2, 2, 4]
    assert (Path(settings.VAR_DIR) / job.file).read_bytes()[:5] == b"%PDF-"


def test_a_role_that_may_not_read_registers_cannot_start_one(unit: Any) -> None:
    with pytest.raises(ServiceError) as refused:
        jobs.register_export_start(
            principal=Principal(person=unit.admin), name="carriers", fmt="xlsx", filters={}
        )
    assert refused.value.code == "forbidden"
    page = _client(unit.admin)
    assert page.get("/registers/").status_code == 403
    assert (
        page.post("/registers/exports/", {"register": "carriers", "fmt": "xlsx"}).status_code == 403
    )
    assert RegisterExport.objects.count() == 0


def test_a_bad_filter_is_refused_before_anything_is_queued(unit: Any) -> None:
    page = _client(unit.committee)
    answer = page.post(
        "/registers/exports/",
        {"register": "carriers", "fmt": "xlsx", "from": "2026-02-01", "to": "2026-01-01"},
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert 'data-status="refused"' in html and 'data-error="invalid"' in html
    assert RegisterExport.objects.count() == 0


def test_only_the_person_who_started_an_export_sees_or_downloads_it(
    unit: Any, make_carrier: Any, make_person: Any
) -> None:
    make_carrier("secret")
    mine = _client(unit.committee)
    answer = mine.post("/registers/exports/", {"register": "lending", "fmt": "xlsx"})
    assert answer.status_code == 200
    job = RegisterExport.objects.get()
    assert job.requested_by == unit.committee and job.name == "lending"
    jobs.register_export_run(job_id=job.pk)
    download = mine.get(f"/registers/exports/{job.pk}/download")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert load_workbook(io.BytesIO(b"".join(download.streaming_content))).active["A1"].value == (
        "涉密载体借阅登记簿"
    )

    # Another member of the committee, who may read every register, still may not take
    # this person's file.
    other = _client(make_person(("committee",), "top_secret"))
    refused = other.get(f"/registers/exports/{job.pk}/download")
    assert refused.status_code == 403
    assert "只有发起人" in refused.content.decode()
    assert not refused.has_header("Content-Disposition")
    progress = other.get(f"/registers/exports/{job.pk}/")
    assert 'data-error="forbidden"' in progress.content.decode()
    assert f"/registers/exports/{job.pk}/download" not in other.get("/registers/").content.decode()


def test_an_export_that_cannot_run_says_why_in_plain_words(unit: Any) -> None:
    job = jobs.register_export_start(
        principal=Principal(person=unit.registrar), name="carriers", fmt="xlsx", filters={}
    )
    # The registrar loses the role before the worker gets to the job.
    unit.registrar.roles = []
    unit.registrar.save(update_fields=["roles_text"])
    job = jobs.register_export_run(job_id=job.pk)
    assert job.status == "failed" and job.error_code == "forbidden"
    assert "无权查阅登记簿" in job.error and job.file == ""
    assert list(Path(settings.VAR_DIR).glob("exports/*")) == []


def test_an_unexpected_failure_leaves_no_partial_file(
    unit: Any, make_carrier: Any, monkeypatch: Any
) -> None:
    make_carrier("secret")

    def broken(*args: Any, **kwargs: Any) -> int:
        out = args[1]
        out.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(jobs.render, "xlsx", broken)
    job = jobs.register_export_start(
        principal=Principal(person=unit.committee), name="carriers", fmt="xlsx", filters={}
    )
    job = jobs.register_export_run(job_id=job.pk)
    assert job.status == "failed" and job.error_code == "export_failed"
    assert "请重新导出" in job.error and "Start it again" in job.error
    assert list(Path(settings.VAR_DIR).glob("exports/*")) == []
    page = _client(unit.committee).get(f"/registers/exports/{job.pk}/").content.decode()
    assert 'data-status="failed"' in page and "请重新导出" in page


def test_export_files_are_deleted_after_their_keeping_time_and_the_page_says_so(
    settings: Any, unit: Any, make_carrier: Any
) -> None:
    settings.CUSTOS_EXPORT_KEEP_HOURS = 24
    make_carrier("secret")
    client = _client(unit.committee)
    client.post("/registers/exports/", {"register": "carriers", "fmt": "xlsx"})
    job = RegisterExport.objects.get()
    jobs.register_export_run(job_id=job.pk)
    job.refresh_from_db()
    path = Path(settings.VAR_DIR) / job.file
    stray = path.with_name("99.dead.part")  # a worker killed mid-export left this
    stray.write_bytes(b"half")
    now = timezone.now()
    assert jobs.register_exports_prune(now=now + timedelta(hours=23)) == 0
    assert path.is_file()
    assert slow_registers_prune.apply(kwargs={}).get() == 0  # the task runs the same prune
    assert jobs.register_exports_prune(now=now + timedelta(hours=25)) == 2
    assert not path.exists() and not stray.exists()
    gone = client.get(f"/registers/exports/{job.pk}/download")
    assert gone.status_code == 404 and "请重新导出" in gone.content.decode()
