"""Signed checkpoints and receipts on PostgreSQL: 1,000,000 carriers, 10,000,000 events.

1. Build the ledger with ``generate_series`` (tests/bench/bench_sweep.py's builder) in
   ``custos_bench_trust``, then give every carrier a real hash chain, computed in SQL with
   the canonical bytes of backend/custody/chain.py (checked by ``ledger_verify`` on the
   audited carriers before anything is timed); each ``register`` event carries the
   payload a real registration writes, so verify meets payloads as it would in a unit.
2. Time ``custos checkpoint --out FILE`` (the first one keeps every head; a second one
   after a scan keeps what moved) with its peak memory (``/usr/bin/time``).
3. Time ``custos verify --against`` that file with every chain recomputed, then the file
   and the bare statement heads only.
4. Time ``custos-scan audit``'s work for 10,000 receipts: the client reads its spool and
   posts to the real application (WSGI in process), which proves every receipt.

Every command's figure is wall time, CPU time (user + system) of the command and of its
PostgreSQL backend (read from ``/proc`` while it runs: the machine is shared, so CPU is
the figure to compare), and the command's peak memory.

Environment: ``BENCH_TRUST_URL`` (default postgres://postgres@127.0.0.1:5432/custos_bench_trust),
``BENCH_TRUST_CARRIERS`` (default 1,000,000), ``BENCH_KEEP=1`` to reuse a built database.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from tests.bench.bench_sweep import EVENTS_PER_CARRIER, ROOT, _env, _exists, build

URL = os.environ.get("BENCH_TRUST_URL", "postgres://postgres@127.0.0.1:5432/custos_bench_trust")
CARRIERS = int(os.environ.get("BENCH_TRUST_CARRIERS", "1000000"))
KEEP = os.environ.get("BENCH_KEEP") == "1"
RECEIPTS = 10_000
AUDITED_CARRIERS = 2_000  # the receipts: each one's last five events

# What ledger_open writes as a register event's payload, and its canonical bytes.
REGISTER_PAYLOAD = '{"level": "secret", "marking": "机密★20年"}'
REGISTER_CANONICAL = '{"level":"secret","marking":"机密★20年"}'
_TS = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
# chain.canonical_bytes for the builder's events (no counterpart, escort or device).
CANONICAL = (
    """'{"action":"' || e.action || '","actor":"' || a.code || '","carrier":"' || c.code"""
    """ || '","counterpart":null,"device":null,"due_at":' || """
    f"""COALESCE('"' || {_TS.format("e.due_at")} || '"', 'null')"""
    """ || ',"escort":null,"id":"' || e.id::text || '","late":' || """
    """CASE WHEN e.late THEN 'true' ELSE 'false' END || ',"location":"' || l.code"""
    f""" || '","occurred_at":"' || {_TS.format("e.occurred_at")}"""
    """ || '","payload":' || CASE WHEN e.seq = 1 THEN '"""
    + REGISTER_CANONICAL
    + """' ELSE e.payload::text END"""
    """ || ',"recorded_at":"' || """
    f"""{_TS.format("e.recorded_at")} || '","seq":' || e.seq || '}}'"""
)


def rechain(url: str, upto: int) -> None:
    """Real hash chains for carriers ``id <= upto``, one pass per seq; register events
    get their payload."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "UPDATE custody_event SET payload = %s::jsonb WHERE seq = 1 AND carrier_id <= %s",
            [REGISTER_PAYLOAD, upto],
        )
        for seq in range(1, EVENTS_PER_CARRIER + 1):
            prev = "p.hash" if seq > 1 else "repeat('0', 64)"
            join = ", custody_event p" if seq > 1 else ""
            # p.seq spelled out: the planner does not carry e.seq's value through "- 1", and
            # would read every event of every seq to find the ones before.
            on = f"AND p.carrier_id = e.carrier_id AND p.seq = {seq - 1}" if seq > 1 else ""
            conn.execute(
                f"UPDATE custody_event e SET prev_hash = {prev}, hash = encode(sha256("
                f"convert_to({prev} || {CANONICAL}, 'UTF8')), 'hex') "
                f"FROM registry_carrier c, registry_person a, registry_location l{join} "
                f"WHERE e.seq = %s AND c.id = e.carrier_id AND c.id <= %s "
                f"AND a.id = e.actor_id AND l.id = e.location_id {on}",
                [seq, upto],
            )
        conn.execute(
            "UPDATE registry_carrier c SET head_hash = e.hash FROM custody_event e "
            "WHERE e.carrier_id = c.id AND e.seq = c.seq AND c.id <= %s",
            [upto],
        )
        conn.execute("SET session_replication_role = origin")
        conn.execute("VACUUM ANALYZE custody_event")


def _cpu_of(pid: int) -> float:
    """User + system seconds of a process on this machine, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_cpu(url: str, name: str, done: threading.Event, seen: dict[int, float]) -> None:
    """Follow the PostgreSQL backends of the application named ``name`` until ``done``,
    keeping each one's last CPU reading."""
    with psycopg.connect(url, autocommit=True) as conn:
        while not done.wait(0.2):
            pids = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", [name]
            ).fetchall()
            for (pid,) in pids:
                with contextlib.suppress(OSError):
                    seen[pid] = _cpu_of(pid)


@dataclass
class Run:
    seconds: float  # wall
    cpu: float  # user + system of the command
    db_cpu: float  # user + system of its PostgreSQL backends
    peak_mb: float
    code: int
    out: str

    def figure(self) -> str:
        return (
            f"{self.seconds:.1f} s wall, {self.cpu:.1f}+{self.db_cpu:.1f} s CPU,"
            f" {self.peak_mb:.0f} MB"
        )


def timed(args: list[str], env: dict[str, str]) -> Run:
    """``custos ARGS`` in its own process: wall and CPU seconds, its backend's CPU seconds,
    peak memory, exit code and stdout."""
    name = f"custos-bench-{os.getpid()}-{time.monotonic_ns()}"
    done, seen = threading.Event(), {}
    watcher = threading.Thread(target=_backend_cpu, args=(URL, name, done, seen))
    watcher.start()
    started = time.perf_counter()
    try:
        ran = subprocess.run(
            ["/usr/bin/time", "-f", "%M %U %S", sys.executable, "-m", "backend.cli", *args],
            env={**env, "PGAPPNAME": name},
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        done.set()
        watcher.join()
    seconds = time.perf_counter() - started
    if ran.returncode != 0:
        print(ran.stderr[-3000:], file=sys.stderr)
    peak_kb, user, system = ran.stderr.strip().splitlines()[-1].split()
    return Run(
        seconds=seconds,
        cpu=float(user) + float(system),
        db_cpu=sum(seen.values()),
        peak_mb=int(peak_kb) / 1024,
        code=ran.returncode,
        out=ran.stdout,
    )


AUDIT_CHILD = """
import json, sys, tempfile, time, uuid, django
django.setup()
import httpx
from django.core.wsgi import get_wsgi_application
from django.db import connection
from backend.custody.verify import ledger_verify
from backend.registry.models import Person
from backend.registry.services import token_create
from scanners.audit import receipts_audit
from scanners.spool import Outcome, Scan, Spool

upto, wanted = int(sys.argv[1]), int(sys.argv[2])
assert ledger_verify(carrier_ids=range(1, upto + 1)).ok, "the SQL-built chains do not verify"
with connection.cursor() as c:
    c.execute(
        "SELECT e.id, c.code, e.seq, e.hash, e.action FROM custody_event e "
        "JOIN registry_carrier c ON c.id = e.carrier_id WHERE c.id <= %s AND e.seq > 5 "
        "ORDER BY e.carrier_id, e.seq LIMIT %s", [upto, wanted])
    rows = c.fetchall()
token = token_create(person=Person.objects.first())
path = tempfile.mkdtemp() + "/spool.sqlite3"
with Spool(path) as spool:
    spool.enqueue([Scan(id=str(i), action=a, carrier=code, actor="P", occurred_at="now")
                   for i, code, _, _, a in rows])
    spool.record([Outcome(id=str(i), status="recorded", seq=s, hash=h)
                  for i, _, s, h, _ in rows])
    started = time.perf_counter()
    receipts = spool.receipts()
    client = httpx.Client(transport=httpx.WSGITransport(app=get_wsgi_application()))
    report = receipts_audit(receipts, server="http://127.0.0.1", token=token, client=client)
    seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "checked": report.checked, "held": report.held}))
"""


def main() -> int:
    if not (KEEP and _exists(URL)):
        print(f"-- building {CARRIERS:,} carriers / {CARRIERS * EVENTS_PER_CARRIER:,} events")
        build(URL, CARRIERS)
        started = time.perf_counter()
        rechain(URL, CARRIERS)
        elapsed = time.perf_counter() - started
        print(f"-- real chains for {CARRIERS:,} carriers: {elapsed:.0f} s")
    # A kept database gains the migrations written since it was built.
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate", "-v0"], env=_env(URL), cwd=ROOT, check=True
    )
    with psycopg.connect(URL, autocommit=True) as conn:
        # Each run times the first checkpoint, the one that keeps every head: the bench
        # database's own checkpoints from an earlier run go (bypassing the triggers).
        conn.execute("SET session_replication_role = replica")
        conn.execute("DELETE FROM alerts_statementdelivery")
        conn.execute("DELETE FROM custody_signed_head")
        conn.execute("DELETE FROM custody_signed_checkpoint")
        conn.execute("SET session_replication_role = origin")
        conn.execute("VACUUM ANALYZE custody_signed_head")
    env = {**_env(URL), "CUSTOS_KEY_DIR": tempfile.mkdtemp(prefix="custos-bench-keys-")}
    work = Path(tempfile.mkdtemp(prefix="custos-bench-trust-"))
    full, bare = work / "full.json", work / "statement.json"

    first = timed(["checkpoint", "--out", str(full)], env)
    assert first.code == 0, first
    second = timed(["checkpoint"], env)
    assert second.code == 0, second
    bare.write_text(second.out)
    against_chains = timed(["verify", "--against", str(full)], env)
    against_full = timed(["verify", "--against", str(full), "--heads-only"], env)
    against_bare = timed(["verify", "--against", str(bare), "--heads-only"], env)
    runs = (against_chains, against_full, against_bare)
    assert all(r.code == 0 for r in runs), runs

    done = subprocess.run(
        [sys.executable, "-c", AUDIT_CHILD, str(AUDITED_CARRIERS), str(RECEIPTS)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    audit = json.loads(done.stdout.strip().splitlines()[-1])
    assert audit["checked"] == audit["held"] == RECEIPTS, audit

    size = f"{CARRIERS:,} carriers / {CARRIERS * EVENTS_PER_CARRIER:,} events"
    rows = [
        (f"checkpoint --out, first ({size})", first.figure(), "< 30 s, < 300 MB"),
        ("checkpoint, next (heads that moved)", second.figure(), ""),
        ("verify --against full file, every chain", against_chains.figure(), "< 60 s"),
        ("verify --against full file, heads only", against_full.figure(), "< 60 s"),
        ("verify --against statement, heads only", against_bare.figure(), "< 60 s"),
        (f"custos-scan audit, {RECEIPTS:,} receipts", f"{audit['seconds']:.2f} s", "< 10 s"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'trust benchmark':<{width}}  {'figure':>44}  target")
    for label, figure, target in rows:
        print(f"{label:<{width}}  {figure:>44}  {target}")
    ok = (
        first.seconds < 30
        and first.peak_mb < 300
        and max(r.seconds for r in runs) < 60
        and audit["seconds"] < 10
    )
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
