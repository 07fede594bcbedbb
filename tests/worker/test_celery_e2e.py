"""A real Celery worker over real Redis runs the ledger tasks against the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from backend.alerts.models import Alert
from backend.custody.models import Checkpoint

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (set REDIS_URL)"),
]


@pytest.fixture
def worker(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    from worker.app import app

    app.control.purge()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    proc = subprocess.Popen(
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
            "--hostname",
            f"e2e-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    yield proc
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def wait_for(predicate: Any, timeout: float = 45.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_the_worker_writes_the_daily_checkpoint_and_flags_a_broken_chain(
    worker: subprocess.Popen[bytes], unit: Any, make_carrier: Any
) -> None:
    from worker.tasks import ledger_checkpoint, ledger_verify

    carrier = make_carrier()
    ledger_checkpoint.delay()
    assert wait_for(lambda: Checkpoint.objects.exists()), "no checkpoint written by the worker"
    assert Checkpoint.objects.get().heads.get().carrier_id == carrier.id

    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE custody_event DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE custody_event SET action = 'store' WHERE carrier_id = %s", [carrier.id]
        )
        cursor.execute("ALTER TABLE custody_event ENABLE TRIGGER USER")
    ledger_verify.delay()
    assert wait_for(lambda: Alert.objects.filter(kind="ledger_broken", carrier=carrier).exists())
    assert worker.poll() is None
