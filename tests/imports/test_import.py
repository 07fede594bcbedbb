"""custos import: a register exported here imports elsewhere carrier for carrier; foreign
layouts through a saved mapping; bad rows named and nothing written; re-runs add nothing."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from backend.custody.models import CustodyEvent
from backend.custody.verify import ledger_verify
from backend.imports.models import ImportBatch
from backend.imports.services import carriers_import, file_sha256, mapping_save
from backend.registry.marking import Period
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from labels.codes import Kind, check_character, generate

COUNT = 120  # the bench imports 5,000 and 100,000 (tests/bench/bench_import.py)
FOREIGN = 1000  # rows of the foreign-layout workbook (issue 17: 1,000)


class _Rollback(Exception):
    pass


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def snapshot(c: Carrier) -> tuple[Any, ...]:
    return (
        c.title,
        c.form,
        c.level,
        c.marking,
        c.period_ends_on,
        c.basis,
        sorted(p.code for p in c.scope.all()),
        c.copy_no,
        c.copies_total,
        c.status,
        c.custodian.code,
        c.location.code,
        c.issued_on,
    )


def test_a_register_exported_from_one_instance_imports_into_a_fresh_one(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier], tmp_path: Path
) -> None:
    levels = ("top_secret", "secret", "confidential")
    later = timezone.localdate() + timedelta(days=400)
    periods = (Period(), Period(years=5), Period(months=6), Period(days=30),
               Period(until=later), Period(condition="项目验收后"))  # fmt: skip
    path = tmp_path / "register.xlsx"
    # Build and export the register, then roll it all back: the same people and places
    # with an empty ledger stand in for the other instance.
    with pytest.raises(_Rollback), transaction.atomic():
        expected = {}
        for i in range(COUNT):
            c = make_carrier(
                levels[i % 3],
                period=periods[i % len(periods)],
                custodian=unit.clerk if i % 2 else unit.clerk2,
                location=unit.safe if i % 4 else unit.safe2,
                scope=[unit.clerk, unit.approver] if i % 5 == 0 else None,
                copy_no=1 if i % 7 == 0 else None,
                copies_total=3 if i % 7 == 0 else None,
                issued_on=date(2020, 1, 1) + timedelta(days=i),
                form=("paper", "optical", "electronic")[i % 3],
            )
            expected[c.code] = snapshot(c)
        response = api_as(unit.committee).get("/registers/carriers.xlsx")
        assert response.status_code == 200
        path.write_bytes(b"".join(response.streaming_content))
        raise _Rollback
    assert not Carrier.objects.exists()

    code, out, err = run(str(path), "--as", unit.registrar.code)
    assert code == 0, out + err
    assert f"{COUNT} new, 0 already present" in out
    got = {c.code: snapshot(c) for c in Carrier.objects.prefetch_related("scope")}
    assert got == expected
    sha = file_sha256(path)
    genesis = CustodyEvent.objects.filter(seq=1, action="register")
    assert genesis.count() == COUNT
    rows = sorted(e.payload["source"]["row"] for e in genesis)
    assert rows == list(range(4, 4 + COUNT))  # title, filters, headings, then the data
    assert {e.payload["source"]["sha256"] for e in genesis} == {sha}
    assert ledger_verify().ok

    code, out, _err = run(str(path), "--as", unit.registrar.code)
    assert code == 0
    assert f"0 new, {COUNT} already present" in out
    assert Carrier.objects.count() == COUNT


def _foreign_book(path: Path, rows: list[list[Any]]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["某单位 涉密文件台账 2019"])
    sheet.append(["文件标题", "保管人员", "密级", "标志", "介质", "成文日期", "存放处", "旧编号"])
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_a_foreign_layout_imports_through_a_saved_mapping_and_codeless_rows_get_codes(
    unit: Any, tmp_path: Path
) -> None:
    registrar = Principal(person=unit.registrar)
    mapping_save(
        principal=registrar,
        name="乡镇台账",
        columns={
            "title": "文件标题",
            "custodian": "保管人员",
            "marking": "标志",
            "form": "介质",
            "issued_on": "成文日期",
            "location": "存放处",
            "code": "旧编号",
        },
    )
    head = "CXA-00000"
    kept = head + check_character(head)
    rows = [
        [f"台账文件{i}", unit.clerk.code if i % 2 else "clerk2", None,
         ("机密★10年", "秘密★6个月", "绝密★条件")[i % 3], "纸介质",
         date(2019, 3, 1) + timedelta(days=i), "safe2" if i % 3 else unit.safe.code,
         kept if i == 0 else None]
        for i in range(FOREIGN)
    ]  # fmt: skip
    path = tmp_path / "foreign.xlsx"
    _foreign_book(path, rows)

    dry = carriers_import(principal=registrar, path=path, dry_run=True, mapping="乡镇台账")
    assert dry.ok and dry.new == FOREIGN and not dry.written
    assert not Carrier.objects.exists()

    sheet = tmp_path / "labels.pdf"
    code, out, err = run(
        str(path), "--mapping", "乡镇台账", "--labels", str(sheet), "--as", unit.registrar.code
    )
    assert code == 0, out + err
    assert f"{FOREIGN} new, 0 already present" in out
    # The rows without a code get their labels on A4 sheets of 3×8 labels.
    pdf = pdfium.PdfDocument(sheet.read_bytes())
    assert len(pdf) == math.ceil((FOREIGN - 1) / 24)
    pdf[0].render(scale=1).to_pil().save(tmp_path.parent / "import-labels.png")
    assert Carrier.objects.filter(code=kept, title="台账文件0", level="secret").exists()
    c = Carrier.objects.get(title="台账文件2")
    assert (c.level, c.marking, c.custodian, c.location) == (
        "top_secret",
        "绝密★条件",
        unit.clerk2,
        unit.safe2,
    )
    assert Carrier.objects.exclude(code=kept).filter(code__startswith="C").count() == FOREIGN - 1
    assert Carrier.objects.get(title="台账文件1").marking == "秘密★6个月"

    code, out, _err = run(str(path), "--mapping", "乡镇台账", "--as", unit.registrar.code)
    assert (code, f"0 new, {FOREIGN} already present" in out) == (0, True)
    assert Carrier.objects.count() == FOREIGN


def line(
    code: str = "",
    title: str = "文件",
    *,
    day: str = "2021-05-01",
    level: str = "机密",
    period: str = "",
    state: str = "",
    custodian: str = "clerk",
) -> list[str]:
    """A row in the layout of the carriers register export (15 columns)."""
    return [
        code,
        title,
        "纸介质",
        day,
        level,
        period,
        "",
        "",
        "",
        "",
        "",
        "",
        state,
        custodian,
        "safe",
    ]


def test_every_bad_row_is_named_and_nothing_is_written(
    unit: Any, make_carrier: Callable[..., Carrier], tmp_path: Path
) -> None:
    here = make_carrier("secret", title="已登记的文件")
    good = generate(Kind.CARRIER, prefix="X")
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [
        line(title="好文件", period="10年", state="已登记"),
        line(title="坏密级", level="特密"),
        line(title="坏日期", day="2021-13-45"),
        line(title="无此人", custodian="张三丰"),
        line(good, "文件甲", level="秘密"),
        line(good, "文件乙", level="秘密", day="2021-05-02"),
        line(here.code, "另一份文件"),
        line(bad_check, "校验错"),
        line(title=""),
    ]
    path = tmp_path / "bad.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["涉密载体登记簿"])
        writer.writerow(["单位：测试"])
        writer.writerow(["编号", "名称", "载体形式", "制发日", "密级", "保密期限", "定密依据",
                         "知悉范围", "份数/份号", "承办人", "定密责任人", "审批意见与日期",
                         "状态", "保管人", "存放位置"])  # fmt: skip
        writer.writerows(rows)
    before = (Carrier.objects.count(), CustodyEvent.objects.count())

    code, out, _err = run(str(path), "--as", unit.registrar.code)
    assert code == 1
    named = {int(n) for n in re.findall(r"/ row (\d+):", out)}
    assert named == {5, 6, 7, 9, 10, 11, 12}  # rows 4 (good) and 8 (first of the pair) pass
    assert "第5行：未知密级 特密。" in out
    assert "row 5: Unknown level 特密." in out
    assert "row 7: No custodian is called 张三丰." in out
    assert f"row 9: The code {good} is in row 8 too." in out
    assert "row 11: The check character" in out
    assert "row 12: The title cell is empty." in out
    assert "第12行：名称为空。" in out
    assert "7 of 9 rows are bad; nothing was written." in out
    assert (Carrier.objects.count(), CustodyEvent.objects.count()) == before
    assert not ImportBatch.objects.exists()


def test_unreadable_files_exit_2_and_a_dry_run_writes_nothing(unit: Any, tmp_path: Path) -> None:
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a workbook")
    assert run(str(junk), "--as", unit.registrar.code)[0] == 2
    assert run(str(tmp_path / "missing.csv"), "--as", unit.registrar.code)[0] == 2
    headless = tmp_path / "headless.csv"
    headless.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    assert run(str(headless), "--as", unit.registrar.code)[0] == 2

    path = tmp_path / "gbk.csv"
    path.write_bytes("名称,载体形式,密级,保管人\n旧账文件,纸介质,秘密,clerk\n".encode("gb18030"))
    code, out, _err = run(str(path), "--dry-run", "--location", "safe", "--as", unit.registrar.code)
    assert code == 0, out
    assert "1 new" in out and not Carrier.objects.exists()
    code, out, _err = run(str(path), "--as", unit.registrar.code)
    assert code == 1 and "row 2: The row names no location" in out
    code, out, _err = run(str(path), "--location", unit.safe.code, "--as", unit.registrar.code)
    assert code == 0 and Carrier.objects.get().location == unit.safe
