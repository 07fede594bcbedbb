"""The pieces beat's backup entries are made of, in this process: the rotation, the
missing-backup case and how the committee sees it, the marking, the pg_dump version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.alerts.models import Alert
from backend.backups.databases import _major, highest_level
from backend.backups.schedule import backup_check_missing, backups_rotate
from backend.backups.words import carrier_notice


def test_the_rotation_keeps_the_newest(tmp_path: Path) -> None:
    names = [f"custos-2026120{d}T023000Z.cbk" for d in range(1, 6)]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("not a backup")
    assert backups_rotate(folder=tmp_path, keep=2) == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == [*names[3:], "notes.txt"]
    # Never the last one, whatever the setting says.
    assert backups_rotate(folder=tmp_path, keep=0) == [names[3]]


@pytest.mark.django_db
def test_no_backup_at_all_opens_one_backup_failed_case_the_committee_reads(
    unit: Any, api_as: Any
) -> None:
    assert backup_check_missing() is True
    assert backup_check_missing() is True
    [alert] = Alert.objects.filter(kind="backup_failed")
    assert alert.details == {"cause": "missing", "last": None} and alert.carrier_id is None
    answer = api_as(unit.committee).get("/alerts", kind="backup_failed")
    assert answer.status_code == 200
    [listed] = answer.json()
    assert (listed["kind"], listed["carrier"], listed["status"]) == ("backup_failed", None, "open")


def test_the_marking_names_the_highest_level() -> None:
    assert highest_level(["confidential", "secret"]) == "secret"
    assert highest_level(["confidential", "top_secret", "secret"]) == "top_secret"
    assert highest_level([]) == "none"
    assert "机密" in carrier_notice("secret") and "涉密载体" in carrier_notice("secret")
    assert "CLASSIFIED CARRIER" not in carrier_notice("none")


def test_the_pg_dump_version_is_read_from_its_banner() -> None:
    assert _major("pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)") == 15
    assert _major("pg_dump (PostgreSQL) 17.2") == 17
