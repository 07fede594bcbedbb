"""`custos serve` on the embedded default: web, API, worker and beat with no servers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_serve_answers_http_and_its_embedded_worker_runs_tasks(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["CUSTOS_VAR_DIR"] = str(tmp_path)
    assert run(["-m", "backend.cli", "migrate", "--noinput"], env).returncode == 0
    port = free_port()
    log = (tmp_path / "serve.log").open("w")  # a file, not a pipe nobody drains
    serve = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        health = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/v1/health", timeout=2
                ) as r:
                    health = json.loads(r.read())
                    break
            except OSError:
                time.sleep(0.5)
        assert health == {"status": "ok", "database": "ok", "broker": "ok"}

        sent = run(
            ["-c", "from worker.tasks import ledger_checkpoint; ledger_checkpoint.delay()"], env
        )
        assert sent.returncode == 0, sent.stderr
        count = "from backend.custody.models import Checkpoint; print(Checkpoint.objects.count())"
        written = False
        for _ in range(90):
            out = run(["-m", "backend.cli", "shell", "-c", count], env)
            if out.stdout.strip().endswith("1"):
                written = True
                break
            assert serve.poll() is None, "custos serve died"
            time.sleep(0.5)
        assert written, "the embedded worker did not run the task"
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            raise
    log.close()
    assert serve.returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]
