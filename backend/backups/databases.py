"""Copying the live database out and a copy back in, for each engine Custos runs on.

SQLite (the embedded default): the online backup API copies every page inside one read
transaction, so writers keep going (WAL) and the copy is one moment of the database.
PostgreSQL: ``pg_dump -Fc`` under a snapshot exported from a REPEATABLE READ transaction,
in which the manifest's counts are also taken, so the counts describe exactly the dump.
Restore into PostgreSQL runs pg_restore's script and the schema's removal in ONE psql
transaction: it either replaces the database whole or leaves it as it was.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.db import connection, transaction

# A database "holds data" when any of these tables has a row (a freshly migrated schema
# does not: it may be restored into without --replace).
DATA_TABLES = ("registry_person", "registry_location", "registry_carrier", "custody_event")
_LEVEL_ORDER = ("top_secret", "secret", "confidential")
_SUMMARY_SQL = {
    "carriers": "SELECT COUNT(*) FROM registry_carrier",
    "events": "SELECT COUNT(*) FROM custody_event",
    # The signed statements (issue 13): what an auditor holds the restored ledger against.
    "checkpoints": "SELECT COUNT(*) FROM custody_signed_checkpoint",
    "levels": "SELECT DISTINCT level FROM registry_carrier",
}


class DatabaseError(Exception):
    """pg_dump, pg_restore or SQLite failed; the message says how."""


def engine() -> str:
    """``sqlite`` or ``postgresql``: the kind of the live database."""
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


def highest_level(levels: list[str]) -> str:
    """The highest secrecy level among ``levels``; ``none`` when there is none."""
    return next((lv for lv in _LEVEL_ORDER if lv in levels), "none")


def _summary(cursor: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("carriers", "events", "checkpoints"):
        cursor.execute(_SUMMARY_SQL[name])
        out[name] = int(cursor.fetchone()[0])
    cursor.execute(_SUMMARY_SQL["levels"])
    out["level"] = highest_level([row[0] for row in cursor.fetchall()])
    return out


def snapshot_sqlite(dest: Path) -> dict[str, Any]:
    """Copy the live SQLite database to ``dest``; return the copy's summary."""
    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        # pages=-1 (the default): the whole database in one step, one read transaction.
        connection.connection.backup(target)
        return _summary(target.cursor())
    finally:
        target.close()


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    args += ["-U", str(db["USER"])]
    env = {**os.environ, "PGDATABASE": str(db["NAME"])}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _major(text: str) -> int:
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", text)
    return int(found.group(1)) if found else 0


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise DatabaseError(f"{name} is not installed here (PostgreSQL client programs).")
    return found


def check_pg_tools() -> None:
    """Refuse when pg_dump is older than the server: it would refuse or write a bad dump."""
    try:
        out = subprocess.run(  # noqa: S603 - fixed argv
            [_tool("pg_dump"), "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise DatabaseError(f"pg_dump is not installed here ({exc}).") from None
    server = connection.cursor().connection.info.server_version // 10000
    if _major(out) < server:
        raise DatabaseError(
            f"pg_dump ({out.strip()}) is older than the server (PostgreSQL {server}); "
            "install the server's version."
        )


def snapshot_postgres(dest: Path) -> dict[str, Any]:
    """``pg_dump -Fc`` of the live database to ``dest``; return the dump's summary."""
    check_pg_tools()
    args, env = _pg_args()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        summary = _summary(cursor)
        # The exported snapshot lives as long as this transaction: pg_dump must finish
        # inside it.
        done = subprocess.run(  # noqa: S603 - fixed argv
            [
                _tool("pg_dump"),
                *args,
                "-Fc",
                "--no-owner",
                f"--snapshot={snapshot}",
                "-f",
                str(dest),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise DatabaseError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    return summary


def holds_data() -> bool:
    """Whether the live database has a person, place, carrier or event in it."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in DATA_TABLES:
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608 - constants
                if cursor.fetchone() is not None:
                    return True
    return False


def sqlite_check(path: Path) -> dict[str, Any]:
    """Open a restored SQLite copy read-only: it must pass integrity_check."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (verdict,) = conn.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise DatabaseError(f"the database in the backup is damaged: {verdict}")
        return _summary(conn.cursor())
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"the database in the backup cannot be read: {exc}") from None
    finally:
        conn.close()


def restore_sqlite(copy: Path) -> None:
    """Put the checked SQLite copy in place of the live file, atomically."""
    target = Path(connection.settings_dict["NAME"])
    connection.close()
    staged = target.with_name(f".{target.name}.restore")
    with copy.open("rb") as src, staged.open("wb") as dst:
        while block := src.read(1 << 20):
            dst.write(block)
        dst.flush()
        os.fsync(dst.fileno())
    # A WAL left from the old database would be replayed onto the new one.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged, target)
    _fsync_dir(target.parent)


def restore_postgres(dump: Path, work: Path) -> None:
    """Replace the live PostgreSQL schema by the dump's, in one transaction."""
    check_pg_tools()
    args, env = _pg_args()
    script = work / "restore.sql"
    made = subprocess.run(  # noqa: S603 - fixed argv
        [_tool("pg_restore"), "--no-owner", "--no-acl", "-f", str(script), str(dump)],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        raise DatabaseError(f"pg_restore could not read the dump: {made.stderr.strip()[-500:]}")
    connection.close()
    done = subprocess.run(  # noqa: S603 - fixed argv
        [
            _tool("psql"),
            *args,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "--single-transaction",
            "-c",
            "DROP SCHEMA IF EXISTS public CASCADE",
            "-c",
            "CREATE SCHEMA public",
            "-f",
            str(script),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise DatabaseError(f"the restore was rolled back: {done.stderr.strip()[-500:]}")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_file(path: Path) -> Iterator[Any]:
    """Write ``path`` through a temporary file beside it: fsync, rename, fsync the folder.
    A crash or an error leaves no file, or the old one, never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)
