"""The embedded default: with no REDIS_URL the worker runs on a SQLite-file broker, so
`custos serve` needs no server — and a sweep queued there really runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.worker.procs import ROOT, stop_worker

SEED = """
import django, uuid
from datetime import timedelta
django.setup()
from django.utils import timezone
from backend.custody.services import ScanIn, scans_ingest
from backend.registry.marking import Period
from backend.registry.principals import Principal
from backend.classification.intake import carrier_register
from backend.registry.services import location_create, person_create
reg = person_create(name="reg", clearance="top_secret", roles=["registrar"])
clerk = person_create(name="clerk", clearance="top_secret", roles=["clerk"])
reader = person_create(name="reader", clearance="secret", roles=[])
safe = location_create(name="safe", kind="safe")
carrier = carrier_register(principal=Principal(person=reg), title="t", form="paper",
    level="secret", period=Period(), basis="b", custodian=clerk, location=safe, draft=False)
now = timezone.now()
[r] = scans_ingest(scans=[ScanIn(id=uuid.uuid4(), action="checkout", carrier=carrier.code,
    counterpart=reader.code, location=safe.code, occurred_at=now - timedelta(days=2),
    due_at=now - timedelta(days=1))], principal=Principal(person=clerk))
assert r.status == "recorded", r.error
"""
COUNT = """
import django
django.setup()
from backend.alerts.models import Alert
print(Alert.objects.filter(kind="overdue_return").count())
"""
QUEUE = """
from worker.app import app
print(app.conf.broker_url)
app.send_task("worker.tasks.alerts_sweep")
"""


def run(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_without_redis_the_worker_uses_the_sqlite_file_broker_and_sweeps(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}} | {
        "CUSTOS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "backend.settings",
    }
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate", "-v0"], env=env, cwd=ROOT, check=True
    )
    run(SEED, env)
    worker = subprocess.Popen(
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
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"embedded-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        broker = run(QUEUE, env)
        assert broker == f"sqla+sqlite:///{tmp_path / 'celery-broker.sqlite3'}"
        deadline = time.monotonic() + 40
        while run(COUNT, env) != "1":
            assert time.monotonic() < deadline, "the embedded worker never swept"
            time.sleep(0.5)
        assert worker.poll() is None
    finally:
        stop_worker(worker)
