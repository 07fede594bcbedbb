"""Real processes for the backup tests: ``custos`` commands against a database of their
own (a SQLite file under a temporary folder, or a PostgreSQL database made for the test),
and a web server taking scans from several clients at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.alerts.loopback import free_port

ROOT = Path(__file__).resolve().parents[2]
CUSTOS = [sys.executable, "-m", "backend.cli"]
SEED = Path(__file__).with_name("seed.py")
PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith(("postgres://", "postgresql://"))


def base_env(tmp: Path, keys: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        CUSTOS_VAR_DIR=str(tmp),
        CUSTOS_KEY_DIR=str(keys),
        CUSTOS_RATE_SCANS="off",
        CUSTOS_RATE_API="off",
        CUSTOS_LOG_LEVEL="WARNING",
    )
    return env


def custos(args: list[str], env: dict[str, str], timeout: float = 300) -> Any:
    return subprocess.run(
        [*CUSTOS, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def shell_json(code: str, env: dict[str, str]) -> Any:
    done = custos(["shell", "-c", code], env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def event_ids(env: dict[str, str]) -> set[str]:
    code = (
        "import json; from backend.custody.models import CustodyEvent; "
        "print(json.dumps([str(i) for i in CustodyEvent.objects.values_list('id', flat=True)]))"
    )
    return set(shell_json(code, env))


@contextmanager
def database(kind: str, tmp: Path, keys: Path, name: str) -> Iterator[dict[str, str]]:
    """The environment of a new, empty database: a SQLite file, or a PostgreSQL database
    next to the test database's (dropped afterwards)."""
    env = base_env(tmp / name, keys)
    if kind == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{tmp / name / 'custos.sqlite3'}"
        (tmp / name).mkdir(parents=True, exist_ok=True)
        yield env
        return
    db = f"custos_backup_t_{name}_{uuid.uuid4().hex[:6]}"
    admin = psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True)
    admin.execute(f'CREATE DATABASE "{db}"')
    env["DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + f"/{db}"
    try:
        yield env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        admin.close()


def table_count(env: dict[str, str]) -> int:
    """How many tables the database in ``env`` has (0 for a missing SQLite file)."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        return -1 if not Path(url.removeprefix("sqlite:///")).exists() else 1
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        return int(row[0]) if row else 0


@contextmanager
def server(env: dict[str, str], log: Path) -> Iterator[str]:
    """``custos serve --no-worker`` on a free port; yields its base URL once healthy."""
    port = free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*CUSTOS, "serve", "--no-worker", "--bind", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    httpx.get(f"{base}/api/v1/health", timeout=2).raise_for_status()
                    break
                except httpx.HTTPError:
                    assert proc.poll() is None, log.read_text()[-3000:]
                    time.sleep(0.5)
            yield base
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class Client(threading.Thread):
    """A desk posting one `store` scan after another until told to stop; keeps the
    moment each scan was acknowledged (recorded or duplicate)."""

    def __init__(self, base: str, token: str, carriers: list[str], location: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.carriers, self.location = base, token, carriers, location
        self.acked: list[tuple[float, str]] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        http = httpx.Client(headers={"Authorization": f"Bearer {self.token}"}, timeout=30)
        n = 0
        while not self.stop.is_set():
            scan_id = str(uuid.uuid4())
            carrier = self.carriers[n % len(self.carriers)]
            n += 1
            body = {
                "scans": [
                    {
                        "id": scan_id,
                        "action": "store",
                        "carrier": carrier,
                        "location": self.location,
                    }
                ]
            }
            try:
                answer = http.post(f"{self.base}/api/v1/scans", json=body)
                [result] = answer.json()["results"]
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                self.errors.append(str(exc))
                continue
            if result["status"] in ("recorded", "duplicate"):
                self.acked.append((time.monotonic(), scan_id))
            else:
                self.errors.append(json.dumps(result))
