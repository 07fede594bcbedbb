"""Exactly once across faults, against the real server (gunicorn + the Django backend).

Each test spools checkout/return pairs for a few fresh carriers — a sequence that is
legal only in order, so a scan delivered out of order per carrier would be refused — then
breaks something mid-sync, recovers, and reads the ledger back through
GET /api/v1/carriers/{code}/events: every spooled scan must be there exactly once, in
spool order per carrier, and nothing refused.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanners.flow import build_scans
from scanners.spool import Spool
from tests.scanners.live_server import CLERK, DESK, READER, ROOT, SCAN_ACTIONS, LiveServer

pytestmark = pytest.mark.slow


def spool_rounds(spool: Spool, carriers: list[str], rounds: int) -> None:
    """checkout, return, checkout … per carrier, the carriers interleaved."""
    for r in range(rounds):
        checkout = r % 2 == 0
        spool.enqueue(
            build_scans(
                action="checkout" if checkout else "return",
                carriers=carriers,
                actor=CLERK,
                counterpart=READER if checkout else None,
                location=DESK,
            )
        )


def sync_env(server: LiveServer, spool_path: Path, batch: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOS_")}
    return {
        **env,
        "PYTHONPATH": str(ROOT),
        "CUSTOS_SERVER": server.url,
        "CUSTOS_TOKEN": server.device_token,
        "CUSTOS_SPOOL": str(spool_path),
        "CUSTOS_SCAN_BATCH": str(batch),
        "XDG_CONFIG_HOME": str(spool_path.parent / "config"),
    }


def start_sync(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scanners", "sync", "--quiet", *args],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def ledger_ids(server: LiveServer, carriers: list[str]) -> dict[str, list[str]]:
    with server.api(server.device_token) as api:
        out = {}
        for code in carriers:
            response = api.get(f"/carriers/{code}/events")
            response.raise_for_status()
            events = response.json()
            assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
            out[code] = [e["id"] for e in events if e["action"] in SCAN_ACTIONS]
        return out


def assert_exactly_once_in_order(server: LiveServer, spool_path: Path, carriers: list[str]) -> None:
    with Spool(spool_path) as spool:
        assert spool.counts()["waiting"] == 0
        assert spool.refusals() == [], spool.refusals()[:3]
        rows = spool.ids_in_order()
    expected: dict[str, list[str]] = {c: [] for c in carriers}
    for scan_id, carrier, _ in rows:
        expected[carrier].append(scan_id)
    assert ledger_ids(server, carriers) == expected
    with server.api(server.committee_token) as api:
        verdict = api.get("/ledger/verify").json()
    assert verdict["ok"], verdict


def duplicates(spool_path: Path) -> int:
    with Spool(spool_path) as spool:
        return spool._db.execute("SELECT count(*) FROM scans WHERE status='duplicate'").fetchone()[
            0
        ]


def test_a_client_killed_mid_sync_delivers_everything_exactly_once(
    server: LiveServer, tmp_path: Path
) -> None:
    carriers = server.register_carriers(10)
    spool_path = tmp_path / "spool.sqlite3"
    with Spool(spool_path) as spool:
        spool_rounds(spool, carriers, 200)  # 2000 scans
    env = sync_env(server, spool_path, batch=40)
    rng = random.Random(6)
    lost_answers = kills = 0
    while kills < 20 and lost_answers < 3:
        with Spool(spool_path) as spool:
            before = spool.counts()["sent"]
            proc = start_sync(env, "--forever")
            # Let it deliver a batch or two, then kill it at a random point of the next.
            while spool.counts()["sent"] < before + 40 and proc.poll() is None:
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.03))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
            counts = spool.counts()
        if counts["waiting"] == 0:
            break
        recorded = sum(len(ids) for ids in ledger_ids(server, carriers).values())
        # The ledger ahead of the spool: a batch was recorded, its answer never applied.
        lost_answers += recorded > counts["sent"]
    done = start_sync(env)
    assert done.wait(timeout=120) == 0, done.communicate()
    assert_exactly_once_in_order(server, spool_path, carriers)
    print(f"kills={kills} lost_answers={lost_answers} duplicates={duplicates(spool_path)}")
    assert lost_answers >= 1 and duplicates(spool_path) >= 1


def test_the_server_killed_and_restarted_mid_batch_loses_and_doubles_nothing(
    server: LiveServer, tmp_path: Path
) -> None:
    carriers = server.register_carriers(8)
    spool_path = tmp_path / "spool.sqlite3"
    with Spool(spool_path) as spool:
        spool_rounds(spool, carriers, 250)  # 2000 scans, two batches of 1000
    proc = start_sync(sync_env(server, spool_path, batch=1000), "--forever")
    try:
        # Wait until the server is inside the first batch: events appear in the ledger
        # while the spool has not had its answer yet.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(len(ids) for ids in ledger_ids(server, carriers[:1]).values()) > 0:
                break
            time.sleep(0.01)
        server.kill()
        with Spool(spool_path) as spool:
            assert spool.counts()["waiting"] > 0  # the kill did land mid-sync
        time.sleep(2.0)  # the client meanwhile retries against a dead port
        server.start()
        assert proc.wait(timeout=180) == 0, proc.communicate()
    finally:
        proc.kill()
    assert_exactly_once_in_order(server, spool_path, carriers)
    print(f"duplicates after the server restart={duplicates(spool_path)}")


def test_connections_refused_for_a_while_then_everything_arrives_once(
    server: LiveServer, tmp_path: Path
) -> None:
    carriers = server.register_carriers(4)
    spool_path = tmp_path / "spool.sqlite3"
    with Spool(spool_path) as spool:
        spool_rounds(spool, carriers, 50)
    env = sync_env(server, spool_path, batch=1000)
    server.kill()
    try:
        quick = start_sync(env, "--retry-for", "1")
        assert quick.wait(timeout=30) == 1  # the contract: 1 while unreachable
        patient = start_sync(env, "--retry-for", "60")
        time.sleep(4.0)
        assert patient.poll() is None  # still retrying with backoff
    finally:
        server.start()
    assert patient.wait(timeout=90) == 0, patient.communicate()
    assert_exactly_once_in_order(server, spool_path, carriers)
