"""The alert sweep on PostgreSQL: 1,000,000 carriers and 10,000,000 events, 1,000 due.

1. Build two databases with ``generate_series`` in SQL (no ORM): ``custos_bench_sweep``
   (1M carriers, 10 events each, 1,000 due, 100,000 more with a deadline still ahead)
   and ``custos_bench_sweep_10k`` (10k carriers, 10 events each, the same 1,000 due).
   Columns other engineers add later are filled by type, so the bench survives them.
2. Time finding the due rows through the partial index ``carrier_due_at_idx``, beside the
   same question asked of the events (the latest event's ``due_at`` per carrier).
3. Time the whole sweep (``backend.alerts.sweep.sweep_run``: claim, judge, open 1,000
   cases and write 2,000 deliveries) in a Django process on each database; the due rows
   and the alert tables are reset between runs.
4. Print medians, ratios and the issue's targets.

Environment: ``BENCH_SWEEP_URL`` (default postgres://postgres@127.0.0.1:5432/custos_bench_sweep;
the 10k database gets the suffix ``_10k``), ``BENCH_RUNS`` (default 5), ``BENCH_KEEP=1``
to reuse databases already built.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
URL = os.environ.get("BENCH_SWEEP_URL", "postgres://postgres@127.0.0.1:5432/custos_bench_sweep")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
KEEP = os.environ.get("BENCH_KEEP") == "1"
DUE = 1000
EVENTS_PER_CARRIER = 10

# What every NOT NULL column without a default gets unless named below, by type.
_BY_TYPE = {
    "character varying": "''",
    "text": "''",
    "integer": "0",
    "bigint": "0",
    "smallint": "0",
    "boolean": "false",
    "jsonb": "'{}'::jsonb",
    "date": "current_date",
    "timestamp with time zone": "now()",
    "uuid": "gen_random_uuid()",
}


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="backend.settings",
        CUSTOS_LOG_LEVEL="WARNING",
        CUSTOS_ALERT_EMAILS="committee@unit.example",
        CUSTOS_WEBHOOK_URL="http://127.0.0.1:9/hook",
    )
    return env


def _insert(conn: psycopg.Connection, table: str, given: dict[str, str], source: str) -> None:
    """``INSERT INTO table (…) SELECT …`` naming ``given`` and filling the other required
    columns by type."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL "
        "AND is_identity = 'NO'",
        [table],
    ).fetchall()
    columns = dict(given)
    for name, kind in rows:
        columns.setdefault(name, _BY_TYPE.get(kind, "''"))
    conn.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns.values())} {source}"
    )


def build(url: str, carriers: int) -> dict[str, float]:
    """A fresh database with ``carriers`` carriers, ten events each, 1,000 due."""
    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate", "-v0"],
        env=_env(url),
        cwd=ROOT,
        check=True,
    )
    every = carriers // DUE
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        _insert(
            conn,
            "registry_person",
            {
                "code": "'PBENCHCLERK1'",
                "name": "'clerk'",
                "clearance": "'top_secret'",
                "roles_text": "',clerk,'",
                "active": "true",
                "created_at": "now()",
            },
            "",
        )
        _insert(
            conn,
            "registry_location",
            {"code": "'LBENCHSAFE01'", "name": "'safe'", "kind": "'safe'", "created_at": "now()"},
            "",
        )
        # Every ``every``-th carrier is overdue (checked out, due an hour or more ago);
        # the next one along is checked out and due tomorrow; the rest are in the safe.
        _insert(
            conn,
            "registry_carrier",
            {
                "code": "'CB' || lpad(g::text, 9, '0')",
                "title": "'bench ' || g",
                "form": "'paper'",
                "level": "'secret'",
                "unit": "'XZ'",
                "issued_on": "current_date",
                "status": f"CASE WHEN g % {every} IN (0, 1) THEN 'in_use' ELSE 'in_storage' END",
                "due_at": f"CASE WHEN g % {every} = 0 THEN now() - interval '1 hour' "
                f"WHEN g % {every} = 1 THEN now() + interval '1 day' END",
                "custodian_id": "(SELECT id FROM registry_person LIMIT 1)",
                "location_id": "(SELECT id FROM registry_location LIMIT 1)",
                "witnesses": "'[]'::jsonb",
                "seq": str(EVENTS_PER_CARRIER),
                "head_hash": "repeat('0', 64)",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"FROM generate_series(1, {carriers}) AS g",
        )
        carrier_seconds = time.perf_counter() - started
        # Generated rows are consistent by construction: skip the per-row foreign-key and
        # append-only triggers while loading (10M deferred FK checks dominate otherwise).
        conn.execute("SET session_replication_role = replica")
        _insert(
            conn,
            "custody_event",
            {
                "id": "md5(c.id::text || '-' || s::text)::uuid",
                "carrier_id": "c.id",
                "seq": "s",
                "action": f"CASE WHEN s = {EVENTS_PER_CARRIER} AND c.status = 'in_use' "
                "THEN 'checkout' WHEN s = 1 THEN 'register' ELSE 'store' END",
                "actor_id": "c.custodian_id",
                "location_id": "c.location_id",
                "occurred_at": f"now() - interval '1 day' * ({EVENTS_PER_CARRIER} - s + 1)",
                "recorded_at": f"now() - interval '1 day' * ({EVENTS_PER_CARRIER} - s + 1)",
                "due_at": f"CASE WHEN s = {EVENTS_PER_CARRIER} THEN c.due_at END",
                "late": "false",
                "payload": "'{}'::jsonb",
                "prev_hash": "repeat('0', 64)",
                "hash": "repeat('0', 64)",
            },
            f"FROM registry_carrier c CROSS JOIN generate_series(1, {EVENTS_PER_CARRIER}) AS s",
        )
        conn.execute("SET session_replication_role = origin")
        conn.execute("VACUUM ANALYZE")
    return {"build_s": time.perf_counter() - started, "carriers_s": carrier_seconds}


FIND = (
    "SELECT id, code, status, due_at FROM registry_carrier WHERE due_at <= now() "
    "ORDER BY due_at LIMIT 5000"
)
# The same question put to the events: each carrier's latest event and its deadline.
FIND_EVENTS = """
    SELECT carrier_id, due_at FROM (
        SELECT DISTINCT ON (carrier_id) carrier_id, due_at
        FROM custody_event ORDER BY carrier_id, seq DESC
    ) latest WHERE due_at <= now()
"""


def time_query(url: str, sql: str, runs: int) -> tuple[float, int]:
    with psycopg.connect(url) as conn:
        conn.execute(sql).fetchall()  # warm the cache as a running sweep would find it
        times, count = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            count = len(conn.execute(sql).fetchall())
            times.append(time.perf_counter() - started)
    return statistics.median(times), count


CHILD = """
import json, sys, django
django.setup()
from django.db import connection
from backend.alerts.sweep import sweep_run
every, runs = int(sys.argv[1]), int(sys.argv[2])
out = []
for _ in range(runs):
    with connection.cursor() as c:
        c.execute("TRUNCATE alerts_delivery, alerts_alert RESTART IDENTITY")
        c.execute(
            "UPDATE registry_carrier SET due_at = now() - interval '1 hour' "
            "WHERE id %% %s = 0", [every])
        c.execute("ANALYZE alerts_alert")
    r = sweep_run()
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM alerts_alert")
        alerts = c.fetchone()[0]
        c.execute("SELECT count(*) FROM alerts_delivery")
        deliveries = c.fetchone()[0]
    out.append({"seconds": r.seconds, "due": r.due, "opened": r.opened, "alerts": alerts,
                "deliveries": deliveries, **{k: v for k, v in r.timings.items()}})
print(json.dumps(out))
"""


def sweep_runs(url: str, carriers: int) -> list[dict[str, float]]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(carriers // DUE), str(RUNS)],
        env=_env(url),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _exists(url: str) -> bool:
    try:
        with psycopg.connect(url) as conn:
            return bool(conn.execute("SELECT count(*) FROM alerts_delivery").fetchone())
    except psycopg.Error:
        return False


def main() -> int:
    sizes = [(URL, 1_000_000), (URL + "_10k", 10_000)]
    results: dict[int, dict[str, float]] = {}
    for url, carriers in sizes:
        built: dict[str, float] = {}
        if not (KEEP and _exists(url)):
            print(f"-- building {carriers:,} carriers / {carriers * EVENTS_PER_CARRIER:,} events")
            built = build(url, carriers)
        with psycopg.connect(url, autocommit=True) as conn:
            # The due rows as the sweep will find them (a previous sweep pushed them on).
            conn.execute(
                "UPDATE registry_carrier SET due_at = now() - interval '1 hour' WHERE id %% %s = 0",
                [carriers // DUE],
            )
        find, found = time_query(url, FIND, 9)
        assert found == DUE, found
        runs = sweep_runs(url, carriers)
        assert all(r["opened"] == DUE and r["deliveries"] == 2 * DUE for r in runs), runs
        results[carriers] = {
            **built,
            "find_ms": find * 1000,
            "found": found,
            "sweep_ms": statistics.median(r["seconds"] for r in runs) * 1000,
            "sweep_find_ms": statistics.median(r.get("find", 0.0) for r in runs) * 1000,
            "sweep_open_ms": statistics.median(r.get("open", 0.0) for r in runs) * 1000,
        }
        if carriers >= 1_000_000:
            events, _ = time_query(url, FIND_EVENTS, 1)
            results[carriers]["events_ms"] = events * 1000

    big, small = results[1_000_000], results[10_000]
    ratio = big["sweep_ms"] / small["sweep_ms"]
    rows = [
        (
            "data build, 1M carriers + 10M events",
            f"{big['build_s']:.0f} s" if "build_s" in big else "kept",
            "",
        ),
        ("due rows found (partial index), 1M", f"{big['find_ms']:.2f} ms", "< 50 ms"),
        ("due rows found (partial index), 10k", f"{small['find_ms']:.2f} ms", ""),
        (
            "same question over 10M events",
            f"{big['events_ms']:.0f} ms",
            f"{big['events_ms'] / big['find_ms']:.0f}× slower",
        ),
        ("whole sweep, 1M: 1,000 cases + 2,000 deliveries", f"{big['sweep_ms']:.0f} ms", "< 1 s"),
        (
            "  of which find+lock / open+outbox",
            f"{big['sweep_find_ms']:.1f} / {big['sweep_open_ms']:.0f} ms",
            "",
        ),
        ("whole sweep, 10k carriers, same 1,000 due", f"{small['sweep_ms']:.0f} ms", ""),
        ("1M / 10k sweep", f"{ratio:.2f}×", "≤ 1.5×"),
    ]
    width = max(len(r[0]) for r in rows)
    print(
        f"{'sweep benchmark (median of ' + str(RUNS) + ' runs)':<{width}}  {'figure':>14}  target"
    )
    for label, figure, target in rows:
        print(f"{label:<{width}}  {figure:>14}  {target}")
    ok = big["find_ms"] < 50 and big["sweep_ms"] < 1000 and ratio <= 1.5
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
