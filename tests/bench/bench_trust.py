"""Signed checkpoints and receipts on PostgreSQL: 1,000,000 carriers, 10,000,000 events.

1. Build the ledger with ``generate_series`` (tests/bench/bench_sweep.py's builder) in
   ``custos_bench_trust``, then give the first ``AUDITED_CARRIERS`` carriers real hash
   chains, computed in SQL with the canonical bytes of backend/custody/chain.py (checked
   by ``ledger_verify`` before anything is timed).
2. Time ``custos checkpoint --out FILE`` (the first one keeps every head; a second one
   after a scan keeps what moved) with its peak memory (``/usr/bin/time``).
3. Time ``custos verify --against`` that file and the bare statement, heads only (the
   chains are plain ``custos verify``'s work, timed separately at a smaller size).
4. Time ``custos-scan audit``'s work for 10,000 receipts: the client reads its spool and
   posts to the real application (WSGI in process), which proves every receipt.

Environment: ``BENCH_TRUST_URL`` (default postgres://postgres@127.0.0.1:5432/custos_bench_trust),
``BENCH_TRUST_CARRIERS`` (default 1,000,000), ``BENCH_KEEP=1`` to reuse a built database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from tests.bench.bench_sweep import EVENTS_PER_CARRIER, ROOT, _env, _exists, build

URL = os.environ.get("BENCH_TRUST_URL", "postgres://postgres@127.0.0.1:5432/custos_bench_trust")
CARRIERS = int(os.environ.get("BENCH_TRUST_CARRIERS", "1000000"))
KEEP = os.environ.get("BENCH_KEEP") == "1"
RECEIPTS = 10_000
AUDITED_CARRIERS = 2_000  # the receipts: each one's last five events

_TS = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
# chain.canonical_bytes for the builder's events (no counterpart, escort or device).
CANONICAL = (
    """'{"action":"' || e.action || '","actor":"' || a.code || '","carrier":"' || c.code"""
    """ || '","counterpart":null,"device":null,"due_at":' || """
    f"""COALESCE('"' || {_TS.format("e.due_at")} || '"', 'null')"""
    """ || ',"escort":null,"id":"' || e.id::text || '","late":' || """
    """CASE WHEN e.late THEN 'true' ELSE 'false' END || ',"location":"' || l.code"""
    f""" || '","occurred_at":"' || {_TS.format("e.occurred_at")}"""
    """ || '","payload":' || e.payload::text || ',"recorded_at":"' || """
    f"""{_TS.format("e.recorded_at")} || '","seq":' || e.seq || '}}'"""
)


def rechain(url: str, upto: int) -> None:
    """Real hash chains for carriers ``id <= upto``, one pass per seq."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        for seq in range(1, EVENTS_PER_CARRIER + 1):
            prev = "p.hash" if seq > 1 else "repeat('0', 64)"
            join = ", custody_event p" if seq > 1 else ""
            on = "AND p.carrier_id = e.carrier_id AND p.seq = e.seq - 1" if seq > 1 else ""
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


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """(seconds, peak MB, exit code, stdout) of ``custos ARGS`` in its own process."""
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "backend.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return seconds, peak_kb / 1024, done.returncode, done.stdout


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
        rechain(URL, AUDITED_CARRIERS)
        elapsed = time.perf_counter() - started
        print(f"-- real chains for {AUDITED_CARRIERS:,} carriers: {elapsed:.0f} s")
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
    assert first[2] == 0, first
    second = timed(["checkpoint"], env)
    assert second[2] == 0, second
    bare.write_text(second[3])
    against_full = timed(["verify", "--against", str(full), "--heads-only"], env)
    against_bare = timed(["verify", "--against", str(bare), "--heads-only"], env)
    assert against_full[2] == 0 and against_bare[2] == 0, (against_full, against_bare)

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
        (
            f"checkpoint --out, first ({size})",
            f"{first[0]:.1f} s, {first[1]:.0f} MB",
            "< 30 s, < 300 MB",
        ),
        ("checkpoint, next (heads that moved)", f"{second[0]:.1f} s, {second[1]:.0f} MB", ""),
        (
            "verify --against full file, heads",
            f"{against_full[0]:.1f} s, {against_full[1]:.0f} MB",
            "< 60 s",
        ),
        (
            "verify --against statement, heads",
            f"{against_bare[0]:.1f} s, {against_bare[1]:.0f} MB",
            "< 60 s",
        ),
        (f"custos-scan audit, {RECEIPTS:,} receipts", f"{audit['seconds']:.2f} s", "< 10 s"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'trust benchmark':<{width}}  {'figure':>18}  target")
    for label, figure, target in rows:
        print(f"{label:<{width}}  {figure:>18}  {target}")
    ok = (
        first[0] < 30
        and first[1] < 300
        and max(against_full[0], against_bare[0]) < 60
        and audit["seconds"] < 10
    )
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
