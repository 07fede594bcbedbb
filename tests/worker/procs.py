"""Real processes for the worker tests: a Celery worker on the test database, and a
private redis-server on its own loopback port for the tests that stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

from tests.alerts.loopback import free_port

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def start_worker(*, broker: str, env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    """A Celery worker process (solo pool) on every queue, against the test database."""
    full = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "CUSTOS_LOG_LEVEL": "WARNING",
        **env,
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "worker.app",
            "worker",
            "--loglevel",
            "WARNING",
            "--queues",
            "alerts,default,slow",
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{name}-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=full,
    )


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def send(task: str, broker: str, **kwargs: Any) -> None:
    """Queue a task on ``broker`` as beat would (the test process's app may use another)."""
    from worker.app import app

    with app.connection_for_write(broker) as conn:
        app.send_task(task, kwargs=kwargs, connection=conn, retry=False)


def purge(broker: str) -> None:
    from worker.app import app

    with app.connection_for_write(broker) as conn:
        for queue in ("alerts", "default", "slow"):
            conn.default_channel.queue_purge(queue)


def wait_for(predicate: Callable[[], Any], timeout: float = 45.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


class RedisServer:
    """A private redis-server on a free loopback port, started and stopped at will."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port)
        assert wait_for(lambda: _pings(client), timeout=10), "redis-server did not start"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


def _pings(client: Any) -> bool:
    try:
        return bool(client.ping())
    except Exception:
        return False
