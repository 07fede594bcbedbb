"""Beat's backup entries on a real Celery worker (Redis, the test PostgreSQL): the nightly
backup with its rotation and the weekly drill, and the `backup_failed` cases their
failures open."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from backend.alerts.models import Alert
from backend.backups.models import BackupRun
from backend.backups.schedule import backup_check_missing, backup_nightly
from backend.custody.models import CustodyEvent
from backend.registry.models import Carrier
from tests.alerts.conftest import record
from tests.worker.procs import purge, send, start_worker, stop_worker, wait_for
from worker.app import app

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis (set REDIS_URL)"),
    pytest.mark.django_db(transaction=True),
]


def beat_task(entry: str) -> str:
    """The task beat sends for ``entry`` (so the test sends exactly what beat would)."""
    return str(app.conf.beat_schedule[entry]["task"])


@pytest.fixture
def folders(settings: Any, tmp_path: Path) -> dict[str, str]:
    settings.CUSTOS_BACKUP_DIR = tmp_path / "backups"
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"
    return {
        "CUSTOS_BACKUP_DIR": str(tmp_path / "backups"),
        "CUSTOS_KEY_DIR": str(tmp_path / "keys"),
        "CUSTOS_BACKUP_KEEP": "2",
    }


def test_beat_backs_up_nightly_keeps_a_rotation_and_its_weekly_drill_holds(
    folders: dict[str, str], unit: Any, make_carrier: Any
) -> None:
    for _ in range(3):
        record(unit.clerk, "store", make_carrier(level="top_secret"), location=unit.safe2)
    purge(REDIS_URL)
    worker = start_worker(broker=REDIS_URL, env=folders, name="backup-e2e")
    try:
        for n in range(1, 4):
            send(beat_task("backup-nightly"), REDIS_URL)
            assert wait_for(lambda n=n: BackupRun.objects.filter(kind="backup").count() == n)
        assert all(BackupRun.objects.filter(kind="backup").values_list("ok", flat=True))
        kept = sorted(Path(folders["CUSTOS_BACKUP_DIR"]).glob("custos-*.cbk"))
        assert len(kept) == 2  # CUSTOS_BACKUP_KEEP
        assert (Path(folders["CUSTOS_KEY_DIR"]) / "backup.key").exists()

        # Scans after the last backup: the drill's live counts run ahead of the backup's.
        record(unit.clerk, "store", make_carrier(), location=unit.safe)
        send(beat_task("backup-drill-weekly"), REDIS_URL)
        assert wait_for(lambda: BackupRun.objects.filter(kind="drill").exists(), 120)
        drill = BackupRun.objects.get(kind="drill")
        assert drill.ok, drill.details
        assert drill.file == str(kept[-1])
        restored = drill.details["restored"]
        assert restored["ok"] is True
        assert restored["carriers"] == Carrier.objects.count() - 1
        assert restored["events"] == CustodyEvent.objects.count() - 2  # register + store
        assert drill.details["live"] == {
            "carriers": Carrier.objects.count(),
            "events": CustodyEvent.objects.count(),
        }
        assert not Alert.objects.filter(kind="backup_failed").exists()
        assert worker.poll() is None
    finally:
        stop_worker(worker)


def test_a_failed_or_missing_backup_and_a_drill_without_backup_open_backup_failed(
    folders: dict[str, str], tmp_path: Path, unit: Any, make_carrier: Any
) -> None:
    make_carrier()
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backup folder should be")
    purge(REDIS_URL)
    worker = start_worker(
        broker=REDIS_URL, env={**folders, "CUSTOS_BACKUP_DIR": str(blocked)}, name="backup-fail"
    )
    try:
        send(beat_task("backup-drill-weekly"), REDIS_URL)
        assert wait_for(lambda: Alert.objects.filter(kind="backup_failed").exists())
        alert = Alert.objects.get(kind="backup_failed")
        assert (alert.details["cause"], alert.status) == ("drill", "open")
        alert.status = "resolved"
        alert.save()

        send(beat_task("backup-nightly"), REDIS_URL)
        assert wait_for(lambda: BackupRun.objects.filter(kind="backup").exists())
        assert not BackupRun.objects.get(kind="backup").ok
        failed = Alert.objects.exclude(status="resolved").get(kind="backup_failed")
        assert failed.details["cause"] == "backup" and failed.carrier_id is None
    finally:
        stop_worker(worker)

    # The morning check (in this process) finds no good backup: the case stays open, one
    # case, not two …
    assert beat_task("backup-missing-daily") == "worker.tasks.alerts_backup_missing"
    assert backup_check_missing() is True
    assert Alert.objects.exclude(status="resolved").filter(kind="backup_failed").count() == 1
    # … and the next good nightly backup resolves it.
    assert backup_nightly()["ok"] is True
    assert not Alert.objects.exclude(status="resolved").filter(kind="backup_failed").exists()
    assert backup_check_missing() is False
