"""The registers page in a real browser: choose a register, filters and a format, watch a
large export's progress, download the file and open it with openpyxl."""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from openpyxl import load_workbook

from backend.desk import views_registers
from backend.registers.models import RegisterExport
from backend.registry.models import Carrier
from labels.codes import Kind, generate
from tests.desk.conftest import shot
from worker.tasks import slow_registers_export

HEAD = 3
BULK = 30_000  # 10,000 机密 rows: over a second of writing, so the page polls mid-way


def _seed(unit: Any, n: int) -> int:
    """``n`` stock carriers straight into the table (as the benchmark seeds them); returns
    how many are 机密, the level the test filters on."""
    levels = ["confidential", "secret", "top_secret"]
    with transaction.atomic():
        for start in range(0, n, 5000):
            Carrier.objects.bulk_create(
                Carrier(
                    code=generate(Kind.CARRIER, prefix="XZ"),
                    title=f"文件标题第{i}号",
                    form="paper",
                    level=levels[i % 3],
                    period_years=10,
                    basis="定密事项一览表第3项",
                    unit="XZ",
                    issued_on=date(2025, 1, 1),
                    status="in_storage",
                    custodian=unit.clerk,
                    location=unit.safe,
                )
                for i in range(start, min(n, start + 5000))
            )
    return sum(1 for i in range(n) if levels[i % 3] == "secret")


def _work(job_id: int) -> None:
    """The worker's task, in a thread of this process (the page polls meanwhile)."""
    try:
        slow_registers_export.apply(args=[job_id])
    finally:
        connection.close()


def test_a_large_export_shows_its_progress_and_downloads_the_register(
    sign_in: Any, unit: Any, make_carrier: Any, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    settings.VAR_DIR = tmp_path
    # The page asks every 0.2 s instead of every second, so a test-sized export is seen
    # several times while it runs (the live server runs in this process).
    monkeypatch.setattr(views_registers, "POLL_SECONDS", 0.2)
    known = make_carrier("secret", title="乡镇年度保密工作要点")
    other_level = make_carrier("confidential", title="不在筛选内")
    secret_rows = _seed(unit, BULK) + 1

    page = sign_in(unit.committee)
    page.click("header.top nav a[href='/registers/']")
    page.wait_for_url("**/registers/")
    page.check("input[name=register][value=carriers]")
    page.select_option("#level", "secret")
    page.check("input[name=fmt][value=xlsx]")
    page.click("#export-start")
    export = page.locator("#export")
    export.wait_for()
    assert export.get_attribute("data-status") == "queued"
    job = RegisterExport.objects.get()
    assert (job.name, job.fmt, job.filters, job.requested_by) == (
        "carriers",
        "xlsx",
        {"level": "secret"},
        unit.committee,
    )

    worker = threading.Thread(target=_work, args=(job.pk,))
    worker.start()
    seen: list[tuple[str, int, int]] = []
    shot_taken = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = page.evaluate(
            "(() => { const e = document.getElementById('export');"
            " return e ? [e.dataset.status, +e.dataset.done, +e.dataset.total] : null; })()"
        )
        if state:
            seen.append(tuple(state))
            status, done, total = state
            if status == "running" and 0 < done < total and not shot_taken:
                shot(page, "registers-progress.png")
                shot_taken = True
            if status in ("done", "failed"):
                break
        page.wait_for_timeout(100)
    worker.join(timeout=60)
    # The page showed rows written of the total while the export ran, then the link.
    running = [s for s in seen if s[0] == "running" and 0 < s[1] < s[2]]
    assert running, seen[-5:]
    assert all(total == secret_rows for _, _, total in running)
    assert [d for _, d, _ in running] == sorted(d for _, d, _ in running)
    assert seen[-1] == ("done", secret_rows, secret_rows)
    assert f"{secret_rows}" in export.inner_text()

    with page.expect_download() as download:
        page.click("#export-download")
    assert download.value.suggested_filename == "涉密载体登记簿.xlsx"
    saved = tmp_path / "downloaded.xlsx"  # openpyxl goes by the file's extension
    download.value.save_as(saved)
    book = load_workbook(saved, read_only=True)
    rows = [tuple(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0][0] == "涉密载体登记簿" and "密级 机密" in rows[1][0]
    assert rows[HEAD - 1][:5] == ("编号", "名称", "载体形式", "制发日", "密级")
    data = {r[0]: r for r in rows[HEAD:]}
    assert len(rows) - HEAD == len(data) == secret_rows
    assert {r[4] for r in data.values()} == {"机密"}
    assert other_level.code not in data
    assert data[known.code][1:3] == ("乡镇年度保密工作要点", "纸介质")
    assert data[known.code][12:14] == ("已登记", unit.clerk.name)

    # The finished export joins the person's list with its link at once (the page
    # reloads the list when the export ends), and stays there after a reload.
    link = f"/registers/exports/{job.pk}/download"
    listed = page.locator(f"#mine tr[data-id='{job.pk}'] a")
    listed.wait_for(timeout=5000)
    assert listed.get_attribute("href") == link
    shot(page, "registers.png")
    page.goto("/registers/")
    assert page.locator(f"#mine tr[data-id='{job.pk}'] a").get_attribute("href") == link
    assert page.outside == []


def test_a_refused_export_and_anothers_download_are_explained_on_the_page(
    sign_in: Any, unit: Any, make_carrier: Any, settings: Any, tmp_path: Path
) -> None:
    settings.VAR_DIR = tmp_path
    make_carrier("secret")
    page = sign_in(unit.committee)
    page.goto("/registers/")
    page.fill("#from", "2026-03-01")
    page.fill("#to", "2026-01-01")
    page.click("#export-start")
    refused = page.locator("#export[data-status='refused']")
    refused.wait_for()
    assert "起始日期晚于截止日期" in refused.inner_text()  # in the page's language
    assert RegisterExport.objects.count() == 0

    # An export of someone else's (a clerk's, who may read registers too).
    from backend.registers.jobs import register_export_run, register_export_start
    from backend.registry.principals import Principal

    theirs = register_export_start(
        principal=Principal(person=unit.clerk), name="carriers", fmt="pdf", filters={}
    )
    register_export_run(job_id=theirs.pk)
    answer = page.goto(f"/registers/exports/{theirs.pk}/download")
    assert answer is not None and answer.status == 403
    assert "只有发起人" in page.locator("main").inner_text()


@pytest.mark.django_db
def test_a_reload_keeps_watching_the_running_export_and_lists_only_the_others(unit: Any) -> None:
    from django.test import Client

    from backend.desk.services import person_set_password

    def export(person: Any, status: str, done: int) -> RegisterExport:
        return RegisterExport.objects.create(
            requested_by=person,
            name="carriers",
            fmt="xlsx",
            status=status,
            done=done,
            total=9,
            file="registers/x.xlsx" if status == "done" else "",
        )

    finished = export(unit.clerk, "done", 9)
    running = export(unit.clerk, "running", 4)
    export(unit.clerk2, "queued", 0)  # someone else's: neither shown nor listed
    person_set_password(person=unit.clerk, password="pw", check=False)
    unit.clerk.refresh_from_db()
    client = Client()
    client.force_login(unit.clerk.user)

    page = client.get("/registers/").content.decode()
    slot = page[page.index('id="export-slot"') : page.index('id="mine-panel"')]
    assert f'data-id="{running.pk}"' in slot and 'data-status="running"' in slot
    assert f'hx-get="/registers/exports/{running.pk}/"' in slot  # still polled
    listed = page[page.index('id="mine-panel"') :]
    assert f'data-id="{finished.pk}"' in listed
    assert f'data-id="{running.pk}"' not in listed
    assert listed.count("<tr data-id=") == 1

    refreshed = client.get("/registers/exports/mine/").content.decode()
    assert f'data-id="{finished.pk}"' in refreshed and f'data-id="{running.pk}"' not in refreshed
