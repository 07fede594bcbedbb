"""What one single-scan POST costs the machine: CPU seconds in the web worker and in its
PostgreSQL backend, and round trips to PostgreSQL, beside the minimal insert endpoint.

The open-loop latency (bench_ledger.py) is what users feel, but on a 2-core machine shared
with other work its tail moves with everything else that runs. CPU time charged to the
two processes that serve a request moves far less: it is what a request costs, whoever
else is busy, and it is what the latency's service time is made of. So this bench counts
it, per request, for the current tree, the minimal django-ninja endpoint (the floor), and
with ``BENCH_BASELINE_REF`` the tree before a change — all in the same run, interleaved
round by round, so drift hits all alike.

1. Seed ``custos_bench_cost`` (and ``…_base`` for a baseline) like the ledger bench.
2. One gunicorn sync worker per target. Each round posts ``BENCH_COST_REQUESTS`` single
   ``transfer`` scans one after another (closed loop, one client: nothing queues) and
   reads the worker's and the database backends' ``utime + stime`` from /proc before and
   after. Medians of ``BENCH_COST_ROUNDS`` rounds.
3. Round trips: ``strace -yy -e sendto`` on the worker for 50 requests, counting the
   messages sent to PostgreSQL's port (when strace is installed and allowed).
4. The table: web ms, database ms, their sum, the sum over the minimal endpoint's, and
   round trips per scan.

Environment: ``BENCH_COST_URL`` (default postgres://postgres@127.0.0.1:5432/custos_bench_cost),
``BENCH_COST_REQUESTS`` (default 400), ``BENCH_COST_ROUNDS`` (default 5),
``BENCH_BASELINE_REF``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from tests.bench import baseline, bench_ledger
from tests.bench.bench_ledger import ROOT, free_port, prepare, start_server

URL = os.environ.get("BENCH_COST_URL", "postgres://postgres@127.0.0.1:5432/custos_bench_cost")
REQUESTS = int(os.environ.get("BENCH_COST_REQUESTS", "400"))
ROUNDS = int(os.environ.get("BENCH_COST_ROUNDS", "5"))
BASELINE_REF = os.environ.get("BENCH_BASELINE_REF", "")
TRACED = 50
HZ = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (proc(5))."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def worker_of(master: subprocess.Popen[bytes]) -> int:
    for _ in range(50):
        found = subprocess.run(
            ["pgrep", "-P", str(master.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        if found:
            return int(found[0])
        time.sleep(0.1)
    raise RuntimeError("no gunicorn worker")


def backend_pids(url: str) -> list[int]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        ).fetchall()
    return sorted(int(r[0]) for r in rows)


@dataclass
class Target:
    name: str
    url: str
    seed: dict[str, object]
    app: str = "backend.wsgi:application"
    tree: Path = ROOT
    port: int = 0
    worker: int = 0
    sent: int = 0
    web: list[float] = field(default_factory=list)
    db: list[float] = field(default_factory=list)
    trips: float | None = None

    def post(self, n: int) -> None:
        codes, people = self.seed["codes"], [self.seed["b"], self.seed["a"]]
        assert isinstance(codes, list)
        for _ in range(n):
            i, self.sent = self.sent, self.sent + 1
            body = json.dumps(
                {
                    "scans": [
                        {
                            "id": str(uuid.uuid4()),
                            "action": "transfer",
                            "carrier": codes[i % len(codes)],
                            # The other clerk, then back: every scan a real hand-over.
                            "counterpart": people[(i // len(codes)) % 2],
                        }
                    ]
                }
            )
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.request(
                "POST",
                "/api/v1/scans",
                body,
                {
                    "Authorization": f"Bearer {self.seed['token']}",
                    "Content-Type": "application/json",
                },
            )
            answer = conn.getresponse()
            data = answer.read()
            conn.close()
            if answer.status != 200 or b'"recorded"' not in data:
                raise RuntimeError(f"{self.name}: {answer.status} {data[:300]!r}")

    def round(self) -> None:
        # Django closes a connection older than its CONN_MAX_AGE and opens another; a round
        # during which a backend went or came would lose its CPU, so it is taken again.
        for _ in range(5):
            backends = backend_pids(self.url)
            web0, db0 = cpu_ticks(self.worker), sum(cpu_ticks(p) for p in backends)
            self.post(REQUESTS)
            if backend_pids(self.url) != backends:
                continue
            web1, db1 = cpu_ticks(self.worker), sum(cpu_ticks(p) for p in backends)
            self.web.append((web1 - web0) / HZ / REQUESTS * 1000)
            self.db.append((db1 - db0) / HZ / REQUESTS * 1000)
            return
        raise RuntimeError("the database backends kept changing")

    def count_trips(self) -> None:
        """Messages the worker sends to PostgreSQL per request (each is a round trip: the
        worker waits for the answer before it goes on)."""
        if shutil.which("strace") is None:
            return
        port = str(urlsplit(self.url).port or 5432)
        log = ROOT / "var" / f"strace-{self.port}.txt"
        log.parent.mkdir(exist_ok=True)
        tracer = subprocess.Popen(
            ["strace", "-yy", "-e", "trace=sendto", "-p", str(self.worker), "-o", str(log)],
            stderr=subprocess.DEVNULL,
        )
        time.sleep(0.5)
        self.post(TRACED)
        tracer.terminate()
        tracer.wait()
        if log.exists():
            text = log.read_text()
            log.unlink()
            sent = len(re.findall(rf"->127\.0\.0\.1:{port}\]", text))
            if sent:
                self.trips = sent / TRACED


def main() -> int:
    bench_ledger.SERVER_WORKERS = 1  # one worker: its CPU is the request's
    with ExitStack() as stack:
        targets = []
        if BASELINE_REF:
            tree = stack.enter_context(baseline.worktree(ROOT, BASELINE_REF))
            base_url = URL + "_base"
            name = f"before ({BASELINE_REF} {baseline.resolve(ROOT, BASELINE_REF)})"
            targets.append(Target(name, base_url, prepare(base_url, tree), tree=tree))
        current = Target("POST /scans", URL, prepare(URL))
        targets.insert(0, current)
        targets.append(
            Target(
                "minimal endpoint", URL, current.seed, "tests.bench.minimal_endpoint:application"
            )
        )
        for t in targets:
            t.port = free_port()
            server = start_server(t.port, t.app, url=t.url, tree=t.tree)
            stack.callback(bench_ledger._stop, server)
            t.worker = worker_of(server)
            t.post(100)  # warm: imports, connections, prepared statements
        for r in range(ROUNDS):
            for t in targets[r % len(targets) :] + targets[: r % len(targets)]:
                t.round()
        for t in targets:
            t.count_trips()

    floor = targets[-1]
    floor_total = statistics.median(w + d for w, d in zip(floor.web, floor.db, strict=True))
    print(
        f"CPU per single-scan request, gunicorn 1 sync worker, {REQUESTS} requests x {ROUNDS}"
        f" rounds (medians), round trips to PostgreSQL per request ({TRACED} traced)"
    )
    print(f"{'endpoint':<34}{'web ms':>8}{'db ms':>8}{'total':>8}{'/ floor':>9}{'trips':>7}")
    for t in targets:
        web, db = statistics.median(t.web), statistics.median(t.db)
        total = statistics.median(w + d for w, d in zip(t.web, t.db, strict=True))
        trips = f"{t.trips:.1f}" if t.trips is not None else "n/a"
        print(
            f"{t.name:<34}{web:>8.2f}{db:>8.2f}{total:>8.2f}{total / floor_total:>9.2f}{trips:>7}"
        )
    print(f"  (load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
