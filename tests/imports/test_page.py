"""The import page: a registrar saves a layout, uploads a foreign register with it, and the
worker's job reports by row number; nobody else reaches the page or another's import."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from backend.desk.services import person_set_password
from backend.imports.models import ImportJob, ImportMapping
from backend.registry.models import Carrier
from worker.tasks import slow_imports_run


@pytest.fixture(autouse=True)
def _setup(settings: Any, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.VAR_DIR = tmp_path


def _client(person: Any) -> Client:
    person_set_password(person=person, password="pw", check=False)
    client = Client()
    answer = client.post("/", {"username": person.code.lower(), "password": "pw"})
    assert answer.status_code == 302, answer.content
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def _book(rows: list[list[Any]]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["文件标题", "责任人", "标志", "介质"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "台账.xlsx"
    return out


def test_a_registrar_saves_a_layout_and_imports_a_foreign_register_through_it(
    unit: Any,
) -> None:
    client = _client(unit.registrar)
    page = client.get("/imports/")
    assert page.status_code == 200 and 'id="import-form"' in page.content.decode()
    saved = client.post(
        "/imports/mappings/",
        {
            "name": "旧台账",
            "col_title": "文件标题",
            "col_custodian": "责任人",
            "col_marking": "标志",
            "col_form": "介质",
        },
    )
    assert saved.status_code == 302
    assert ImportMapping.objects.get(name="旧台账").columns["marking"] == "标志"
    assert "旧台账" in client.get(saved["Location"]).content.decode()

    upload = _book(
        [["甲文件", "clerk", "机密★10年", "纸介质"], ["乙文件", "无名氏", "秘密★5年", "纸介质"]]
    )
    started = client.post(
        "/imports/start/", {"file": upload, "mapping": "旧台账", "location": "safe"}
    ).content.decode()
    job = ImportJob.objects.get()
    assert f'data-id="{job.id}"' in started and 'data-status="queued"' in started
    slow_imports_run.apply(args=[job.id])  # the worker's task, here
    done = client.get(f"/imports/{job.id}/").content.decode()
    assert 'data-status="done"' in done and "hx-get" not in done
    assert re.search(r"row 3: No custodian is called 无名氏\.", done)
    assert not Carrier.objects.exists()

    fixed = _book(
        [["甲文件", "clerk", "机密★10年", "纸介质"], ["乙文件", "clerk2", "秘密★5年", "纸介质"]]
    )
    client.post("/imports/start/", {"file": fixed, "mapping": "旧台账", "location": "safe"})
    slow_imports_run.apply(args=[ImportJob.objects.latest("id").id])
    done = client.get(f"/imports/{ImportJob.objects.latest('id').id}/").content.decode()
    assert "2 new, 0 already present." in done
    assert sorted(Carrier.objects.values_list("title", "custodian__name")) == [
        ("乙文件", "clerk2"),
        ("甲文件", "clerk"),
    ]
    refused = client.post("/imports/start/", {"mapping": ""}).content.decode()
    assert 'data-status="refused"' in refused


def test_the_page_and_the_reports_are_the_registrars_own(unit: Any) -> None:
    assert _client(unit.clerk).get("/imports/").status_code == 403
    registrar = _client(unit.registrar)
    registrar.post("/imports/start/", {"file": _book([["甲", "clerk", "机密★10年", "纸介质"]])})
    job = ImportJob.objects.get()
    other = unit.registrar.__class__.objects.create(code="P-REG2", name="另一登记员")
    other.roles = ["registrar"]
    other.save()
    answer = _client(other).get(f"/imports/{job.id}/").content.decode()
    assert 'data-error="not_found"' in answer
