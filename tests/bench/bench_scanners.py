"""The desk spool draining a 10,000-scan backlog, beside the server's own batch ingest.

1. Start the real server (gunicorn, 2 sync workers) on a fresh database — PostgreSQL when
   ``BENCH_DATABASE_URL`` / ``DATABASE_URL`` names one (default: the local server), else
   SQLite — with the demo data, a device token and ``CARRIERS`` registered carriers.
2. Each run, in alternating order so drift hits both alike:
   - *server*: the same kind of 10,000 scans POSTed straight to /api/v1/scans in batches
     of 1000 from one keep-alive connection — the ceiling for one sequential client;
   - *spool*: 10,000 scans enqueued into a desk spool (one transaction per scan, as a desk
     writes them), then drained by ``custos-scan sync`` (a subprocess, start-up included)
     and, separately, by the in-process sender.
   Every scan is a checkout or a return, in order per carrier, so each is really applied.
3. Print medians of ``BENCH_RUNS`` runs (default 3) and the ratio to the server's rate
   (issue 6's target: at least 80 %).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg

from scanners.flow import build_scans
from scanners.sender import Sender
from scanners.spool import Spool
from tests.scanners.live_server import CLERK, DESK, READER, ROOT, LiveServer

SCANS = 10_000
CARRIERS = int(os.environ.get("BENCH_CARRIERS", "500"))
ROUNDS = SCANS // CARRIERS  # even, so every carrier ends back in storage
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TARGET = 0.80


def _database_url() -> str:
    url = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or ("postgres://postgres@127.0.0.1:5432/custos")
    )
    if url.startswith("postgres"):
        try:
            head = url.partition("?")[0].rpartition("/")[0]
            psycopg.connect(f"{head}/postgres", connect_timeout=3).close()
        except psycopg.Error:
            return ""  # no PostgreSQL here: SQLite
    return url


def _plan(carriers: list[str]) -> list[list[dict[str, str]]]:
    """ROUNDS rounds of checkout/return over all carriers, as scan dicts."""
    now = datetime.now(UTC).astimezone().isoformat(timespec="milliseconds")
    rounds = []
    for r in range(ROUNDS):
        checkout = r % 2 == 0
        rounds.append(
            [
                {
                    "id": str(uuid.uuid4()),
                    "action": "checkout" if checkout else "return",
                    "carrier": c,
                    "actor": CLERK,
                    **({"counterpart": READER} if checkout else {}),
                    "location": DESK,
                    "occurred_at": now,
                }
                for c in carriers
            ]
        )
    return rounds


def direct(server: LiveServer, carriers: list[str]) -> float:
    scans = [s for rnd in _plan(carriers) for s in rnd]
    bodies = [
        json.dumps({"scans": scans[i : i + 1000]}).encode() for i in range(0, len(scans), 1000)
    ]
    with httpx.Client(
        headers={
            "Authorization": f"Bearer {server.device_token}",
            "Content-Type": "application/json",
        },
        timeout=120,
    ) as client:
        client.get(f"{server.url}/api/v1/health")  # open the connection outside the clock
        started = time.perf_counter()
        for body in bodies:
            response = client.post(f"{server.url}/api/v1/scans", content=body)
            response.raise_for_status()
            statuses = {r["status"] for r in response.json()["results"]}
            assert statuses == {"recorded"}, statuses
        elapsed = time.perf_counter() - started
    return SCANS / elapsed


def fill_spool(path: Path, carriers: list[str]) -> float:
    started = time.perf_counter()
    with Spool(path) as spool:
        for r in range(ROUNDS):
            checkout = r % 2 == 0
            for c in carriers:
                spool.enqueue(
                    build_scans(
                        action="checkout" if checkout else "return",
                        carriers=[c],
                        actor=CLERK,
                        counterpart=READER if checkout else None,
                        location=DESK,
                    )
                )
    return SCANS / (time.perf_counter() - started)


def drain_cli(server: LiveServer, path: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOS_")}
    env.update(
        PYTHONPATH=str(ROOT),
        CUSTOS_SERVER=server.url,
        CUSTOS_TOKEN=server.device_token,
        CUSTOS_SPOOL=str(path),
        XDG_CONFIG_HOME=str(path.parent / "config"),
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "scanners", "sync", "--quiet"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    _check_all_recorded(path)
    return SCANS / elapsed


def drain_in_process(server: LiveServer, path: Path) -> float:
    with Spool(path) as spool:
        sender = Sender(spool, server=server.url, token=server.device_token)
        started = time.perf_counter()
        sender.drain()
        elapsed = time.perf_counter() - started
        sender.close()
    _check_all_recorded(path)
    return SCANS / elapsed


def _check_all_recorded(path: Path) -> None:
    with Spool(path) as spool:
        counts = spool.counts()
    if counts != {"waiting": 0, "sent": SCANS, "refused": 0}:
        raise RuntimeError(f"not all recorded: {counts}")


def main() -> int:
    url = _database_url()
    work = Path(tempfile.mkdtemp(prefix="bench-scanners-"))
    (work / "server").mkdir()
    server = LiveServer(work / "server", database_url=url or "sqlite")
    results: dict[str, list[float]] = {"server": [], "enqueue": [], "cli": [], "sender": []}
    try:
        server.prepare()
        server.start()
        carriers = server.register_carriers(CARRIERS)
        for run in range(RUNS):
            first_direct = run % 2 == 0
            if first_direct:
                results["server"].append(direct(server, carriers))
            spool_a, spool_b = work / f"a{run}.sqlite3", work / f"b{run}.sqlite3"
            results["enqueue"].append(fill_spool(spool_a, carriers))
            results["cli"].append(drain_cli(server, spool_a))
            fill_spool(spool_b, carriers)
            results["sender"].append(drain_in_process(server, spool_b))
            if not first_direct:
                results["server"].append(direct(server, carriers))
    finally:
        server.close()
    med = {k: statistics.median(v) for k, v in results.items()}
    db = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"scanner spool vs server batch ingest — {SCANS:,} scans, {CARRIERS} carriers, "
          f"{db}, gunicorn 2 workers, median of {RUNS}")  # fmt: skip
    print(f"{'what':<52}{'scans/s':>10}{'vs server':>11}")
    rows = [
        ("server: POST batches of 1000 directly (ceiling)", med["server"]),
        ("spool drained by `custos-scan sync` (start-up incl.)", med["cli"]),
        ("spool drained by the sender in process", med["sender"]),
    ]
    for name, rate in rows:
        print(f"{name:<52}{rate:>10,.0f}{rate / med['server']:>10.0%}")
    print(f"{'desk enqueue, one transaction per scan (FULL sync)':<52}{med['enqueue']:>10,.0f}")
    ok = med["cli"] >= TARGET * med["server"]
    print(f"target: drain ≥ {TARGET:.0%} of the server's rate — {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
