"""Backup, restore and the restore drill.

A backup is a tar archive — ``manifest.json``, the database copy, the public halves of
the unit's keys (``*.pub`` in the key folder; never a private key) — sealed by
``backend.backups.sealed`` with the unit's backup key (``backup.key`` in the key folder,
outside the database, so a stolen backup is useless without the key folder and the key
is in no backup). Restore opens and checks the whole file into a private temporary folder
before it touches the database: a damaged, truncated or foreign file writes nothing.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from backend.backups import databases
from backend.backups.databases import DatabaseError, atomic_file
from backend.backups.models import BackupRun, RunKind
from backend.backups.sealed import SealError, SealWriter, key_id, read_header, unseal
from backend.custody.verify import Report, ledger_verify
from backend.keys import key_dir

KEY_FILE = "backup.key"
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# What the plain header repeats from the manifest: the medium's marking and what it holds.
_HEADER_FIELDS = ("database", "unit", "created_at", "level", "carriers", "events", "checkpoints")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; ``code`` is stable, ``message`` bilingual."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class BackupSummary:
    path: str
    database: str
    key_id: str
    level: str
    carriers: int
    events: int
    checkpoints: int
    public_keys: list[str]
    size: int


@dataclass(slots=True)
class RestoreSummary:
    manifest: dict[str, Any]
    report: Report
    restored: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest,
            "ok": self.report.ok,
            "carriers": self.report.carriers,
            "events": self.report.events,
            "broken": [asdict(b) for b in self.report.broken],
        }


def backup_key(*, create: bool) -> bytes:
    """The unit's backup key from the key folder; made (mode 0600) on the first backup.

    Restore never makes one: a new key could open nothing, and would hide that the key
    folder was not brought along.
    """
    path = key_dir() / KEY_FILE
    if not path.exists():
        if not create:
            raise BackupError(
                "no_key",
                f"There is no backup key at {path}: copy the unit's key folder here first. "
                f"没有备份密钥 {path}：请先复制本单位的密钥目录。",
            )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32) + "\n")
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise BackupError(
            "bad_key", f"The backup key at {path} is not 64 hex digits. 备份密钥格式错误。"
        )
    return key


def _public_keys() -> list[Path]:
    return sorted(p for p in key_dir().glob("*.pub") if p.is_file() and not p.is_symlink())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _seal(
    *, path: Path, key: bytes, manifest: dict[str, Any], copy: Path, pubs: list[Path]
) -> None:
    with atomic_file(path) as out:
        writer = SealWriter(out, key=key, header={k: manifest[k] for k in _HEADER_FIELDS})
        with tarfile.open(fileobj=writer, mode="w|") as tar:  # type: ignore[call-overload]  # a stream needs only write(); typeshed asks for a file
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False).encode())
            tar.add(copy, arcname=DB_MEMBER[manifest["database"]])
            for pub in pubs:
                tar.add(pub, arcname=f"keys/{pub.name}")
        writer.close()


def backup_create(*, path: Path) -> BackupSummary:
    """Seal a consistent copy of the live database into ``path`` (written atomically)."""
    started = timezone.now()
    key = backup_key(create=True)
    kind = databases.engine()
    # The plain copy exists for a moment: beside the live database (same protection), in a
    # folder only this user can open, removed when the sealed file is written.
    with tempfile.TemporaryDirectory(prefix="custos-backup-", dir=settings.VAR_DIR) as work:
        copy = Path(work) / DB_MEMBER[kind]
        try:
            summary = (
                databases.snapshot_sqlite(copy)
                if kind == "sqlite"
                else databases.snapshot_postgres(copy)
            )
        except DatabaseError as exc:
            raise BackupError("database", f"{exc} 数据库复制失败。") from None
        pubs = _public_keys()
        manifest = {
            "database": kind,
            "unit": settings.CUSTOS_UNIT,
            "created_at": started.isoformat(),
            **summary,
            "public_keys": [p.name for p in pubs],
        }
        try:
            _seal(path=path, key=key, manifest=manifest, copy=copy, pubs=pubs)
        except OSError as exc:
            raise BackupError(
                "unwritable", f"Cannot write {path}: {exc}. 无法写入备份文件。"
            ) from None
    result = BackupSummary(
        path=str(path),
        database=kind,
        key_id=key_id(key),
        level=manifest["level"],
        carriers=manifest["carriers"],
        events=manifest["events"],
        checkpoints=manifest["checkpoints"],
        public_keys=manifest["public_keys"],
        size=path.stat().st_size,
    )
    BackupRun.objects.create(
        kind=RunKind.BACKUP,
        started_at=started,
        finished_at=timezone.now(),
        ok=True,
        file=str(path),
        details=asdict(result),
    )
    return result


def backup_header(*, path: Path) -> dict[str, Any]:
    """The file's plain header (its marking), without the key."""
    try:
        with path.open("rb") as src:
            return read_header(src).fields
    except OSError as exc:
        raise BackupError("unreadable", f"Cannot read {path}: {exc}. 无法读取文件。") from None
    except SealError as exc:
        raise BackupError(exc.code, exc.message) from None


def _unpack(path: Path, key: bytes, work: Path) -> tuple[dict[str, Any], Path]:
    """Decrypt and authenticate the whole file into ``work``, then unpack it."""
    plain = work / "archive.tar"
    try:
        with path.open("rb") as src, plain.open("wb") as out:
            for block in unseal(src, key=key):
                out.write(block)
    except OSError as exc:
        raise BackupError("unreadable", f"Cannot read {path}: {exc}. 无法读取文件。") from None
    except SealError as exc:
        raise BackupError(exc.code, exc.message) from None
    try:
        with tarfile.open(plain, mode="r:") as tar:
            names = set(tar.getnames())
            manifest_file = tar.extractfile(MANIFEST)
            manifest = json.loads(manifest_file.read()) if manifest_file else {}
            member = DB_MEMBER.get(str(manifest.get("database")))
            if member is None or member not in names:
                raise KeyError(member)
            tar.extract(member, work, filter="data")
    except (tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(
            "damaged", f"The backup's contents are incomplete ({exc}). 备份内容不完整。"
        ) from None
    finally:
        plain.unlink(missing_ok=True)
    return manifest, work / member


def backup_restore(*, path: Path, replace: bool = False) -> RestoreSummary:
    """Restore ``path`` into the live database and verify what was restored.

    1. Open the whole file (key, authentication of every frame, the archive) into a
       private temporary folder; any fault ends here with nothing written.
    2. Refuse a database that holds data, unless ``replace``.
    3. Put the copy in place in one step (file rename, or one psql transaction).
    4. Bring the schema up to this release (migrate), then verify the ledger. A broken
       ledger still restores: the breaks are reported, since a backup is evidence.
    """
    started = timezone.now()
    key = backup_key(create=False)
    kind = databases.engine()
    with tempfile.TemporaryDirectory(prefix="custos-restore-", dir=settings.VAR_DIR) as tmp:
        work = Path(tmp)
        manifest, copy = _unpack(path, key, work)
        if manifest.get("database") != kind:
            raise BackupError(
                "wrong_database",
                f"This is a {manifest.get('database')} backup; the database here is {kind}. "
                "备份与本机数据库类型不同。",
            )
        try:
            if kind == "sqlite":
                databases.sqlite_check(copy)
            if databases.holds_data() and not replace:
                raise BackupError(
                    "not_empty",
                    "The database holds data; restore over it only with --replace. "
                    "数据库中已有数据；如需覆盖请加 --replace。",
                )
            if kind == "sqlite":
                databases.restore_sqlite(copy)
            else:
                databases.restore_postgres(copy, work)
        except DatabaseError as exc:
            raise BackupError("database", f"{exc} 恢复失败，数据库未改变。") from None
    call_command("migrate", verbosity=0, interactive=False)
    summary = RestoreSummary(manifest=manifest, report=ledger_verify())
    BackupRun.objects.create(
        kind=RunKind.RESTORE,
        started_at=started,
        finished_at=timezone.now(),
        ok=summary.report.ok,
        file=str(path),
        details=summary.as_dict(),
    )
    return summary
