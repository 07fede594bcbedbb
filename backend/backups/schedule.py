"""What beat runs: the nightly backup with its rotation, the missing-backup check and the
weekly restore drill. A failure of any of them opens (or keeps open) a ``backup_failed``
case; a good nightly backup resolves the cases a failed or missing backup opened."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from backend.alerts.models import Alert, AlertKind, AlertStatus
from backend.alerts.services import alert_raise
from backend.backups import databases
from backend.backups.models import BackupRun, RunKind
from backend.backups.services import BackupError, backup_create
from backend.custody.models import CustodyEvent
from backend.registry.models import Carrier

log = logging.getLogger(__name__)
PATTERN = "custos-*.cbk"
# A drill of a large database takes a while; one stuck for longer than this has failed.
DRILL_TIMEOUT_SECONDS = 3 * 3600


def _fail(*, cause: str, error: str, started: datetime, file: str = "") -> None:
    BackupRun.objects.create(
        kind=RunKind.DRILL if cause == "drill" else RunKind.BACKUP,
        started_at=started,
        finished_at=timezone.now(),
        ok=False,
        file=file,
        details={"cause": cause, "error": error},
    )
    alert_raise(
        kind=AlertKind.BACKUP_FAILED,
        carrier=None,
        opened_at=started,
        details={"cause": cause, "error": error[:500]},
    )


def backups_rotate(*, folder: Path, keep: int) -> list[str]:
    """Delete all but the ``keep`` newest backups in ``folder``; return what went."""
    files = sorted(folder.glob(PATTERN))
    gone = files[: max(0, len(files) - max(1, keep))]
    for old in gone:
        old.unlink(missing_ok=True)
    return [p.name for p in gone]


def backup_nightly() -> dict[str, Any]:
    """Back up into ``CUSTOS_BACKUP_DIR`` under a time-stamped name, then rotate."""
    started = timezone.now()
    folder = Path(settings.CUSTOS_BACKUP_DIR)
    # Microseconds in the name: two backups within one second (a retry, a manual run beside
    # beat's) must not replace each other, and the names still sort by time.
    path = folder / f"custos-{started:%Y%m%dT%H%M%S%f}Z.cbk"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        done = backup_create(path=path)
    except Exception as exc:  # whatever failed, the committee must hear of it
        error = exc.message if isinstance(exc, BackupError) else f"{type(exc).__name__}: {exc}"
        log.error("nightly backup failed: %s", error)
        _fail(cause="backup", error=error, started=started, file=str(path))
        return {"ok": False, "error": error}
    removed = backups_rotate(folder=folder, keep=settings.CUSTOS_BACKUP_KEEP)
    resolved = (
        Alert.objects.filter(kind=AlertKind.BACKUP_FAILED, details__cause__in=["backup", "missing"])
        .exclude(status=AlertStatus.RESOLVED)
        .update(status=AlertStatus.RESOLVED, resolved_at=timezone.now(), remind_at=None)
    )
    return {"ok": True, "file": done.path, "removed": removed, "resolved": resolved}


def backup_check_missing() -> bool:
    """Open a case when no good backup finished within ``CUSTOS_BACKUP_MAX_AGE_HOURS``
    (beat stopped, the task never ran): a failure nobody saw fail. True when one is due."""
    latest = BackupRun.objects.filter(kind=RunKind.BACKUP, ok=True).order_by("-finished_at").first()
    limit = timezone.now() - timedelta(hours=settings.CUSTOS_BACKUP_MAX_AGE_HOURS)
    if latest is not None and latest.finished_at >= limit:
        return False
    last = latest.finished_at.isoformat() if latest else None
    alert_raise(
        kind=AlertKind.BACKUP_FAILED,
        carrier=None,
        opened_at=timezone.now(),
        details={"cause": "missing", "last": last},
    )
    return True


@dataclass(slots=True)
class DrillReport:
    ok: bool
    file: str = ""
    restored: dict[str, Any] = field(default_factory=dict)
    live: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def latest_backup(folder: Path) -> Path | None:
    files = sorted(folder.glob(PATTERN))
    return files[-1] if files else None


def _scratch_url(name: str) -> str:
    db = connection.settings_dict
    auth = str(db["USER"]) + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def _restore_elsewhere(file: Path, database_url: str, var_dir: Path) -> tuple[int, str, str]:
    """Run ``custos restore --json`` against another database in its own process: a
    scratch database gets its own Django connection settings, the live one is untouched."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CUSTOS_VAR_DIR": str(var_dir),
        "CUSTOS_KEY_DIR": str(settings.CUSTOS_KEY_DIR),
        "CUSTOS_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "backend.cli", "restore", str(file), "--json"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=DRILL_TIMEOUT_SECONDS,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def _drill_restore(kind: str, file: Path, tmp: Path) -> tuple[int, str, str]:
    """Restore ``file`` into a scratch database that is gone afterwards; any failure to
    do so (no CREATEDB right, a hung restore) is the drill's finding, not a crash."""
    scratch = ""
    try:
        if kind == "sqlite":
            return _restore_elsewhere(file, f"sqlite:///{tmp / 'drill.sqlite3'}", tmp)
        scratch = f"{connection.settings_dict['NAME']}_drill_{uuid.uuid4().hex[:8]}"[:63]
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{scratch}"')
        return _restore_elsewhere(file, _scratch_url(scratch), tmp)
    except (OSError, subprocess.SubprocessError, DatabaseError) as exc:
        return -1, "", str(exc)
    finally:
        if scratch:
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def backup_drill(*, file: Path | None = None) -> DrillReport:
    """Restore the latest backup into a scratch database, verify it, compare its counts
    with the backup's manifest and the live ledger's, and record the outcome.

    1. The scratch database: a temporary SQLite file, or a PostgreSQL database created for
       the drill and dropped after it.
    2. ``custos restore`` runs against it in its own process and reports as JSON.
    3. The drill holds when the restore succeeded, the restored counts equal those the
       backup recorded, and the live ledger holds at least as much (it only grows).
    """
    started = timezone.now()
    file = file or latest_backup(Path(settings.CUSTOS_BACKUP_DIR))
    if file is None:
        report = DrillReport(ok=False, problems=["no backup to drill"])
        _fail(cause="drill", error=report.problems[0], started=started)
        return report
    report = DrillReport(ok=False, file=str(file))
    kind = databases.engine()
    # Scratch files hold a whole classified database: beside the live one, not in /tmp.
    with tempfile.TemporaryDirectory(prefix="custos-drill-", dir=settings.VAR_DIR) as tmp:
        code, out, err = _drill_restore(kind, file, Path(tmp))
    lines = out.strip().splitlines()
    try:
        report.restored = json.loads(lines[-1]) if code in (0, 1) and lines else {}
    except ValueError:
        report.restored = {}
    report.live = {"carriers": Carrier.objects.count(), "events": CustodyEvent.objects.count()}
    if not report.restored:
        report.problems.append(f"the restore failed (exit {code}): {err.strip()[-300:]}")
    else:
        manifest = report.restored.get("manifest", {})
        for what in ("carriers", "events"):
            got = report.restored.get(what)
            if got != manifest.get(what):
                report.problems.append(
                    f"{what}: restored {got}, the backup recorded {manifest.get(what)}"
                )
            if got is not None and got > report.live[what]:
                report.problems.append(f"{what}: restored {got}, live {report.live[what]}")
        # A broken chain restores faithfully (the backup is evidence): the drill reports
        # it, and the nightly ledger check has its own case for it.
    report.ok = not report.problems
    if report.ok:
        BackupRun.objects.create(
            kind=RunKind.DRILL,
            started_at=started,
            finished_at=timezone.now(),
            ok=True,
            file=str(file),
            details=report.as_dict(),
        )
    else:
        _fail(cause="drill", error="; ".join(report.problems), started=started, file=str(file))
    return report
