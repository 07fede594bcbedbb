"""The annual report over 100,000 carriers and 1,000,000 events on PostgreSQL: time and
peak memory (targets: JSON + PDF + DOCX together under 20 s and 250 MB).

1. Build ``custos_bench_annual`` with ``generate_series`` in SQL (no ORM, as the sweep
   bench does; columns added later are filled by type): 100,000 carriers of every level
   and form, 1 % of them copies; ten events each over the year — registrations,
   checkouts and returns, dispatches, 10 % destroyed with two witnesses, 0.1 % lost —
   and beside them 5,000 定密 decisions (a fifth declassifications), 200 stocktakes,
   2,000 overdue cases and the losses' reports.
2. In a fresh Django process, answer the three requests one after the other as the API
   does, each assembling the report anew (``inspection.annual.annual_report``): the JSON,
   the PDF and the DOCX; read the process's peak resident set size when done.
3. Repeat ``BENCH_RUNS`` times (default 3) and print the medians.

Environment: ``BENCH_ANNUAL_URL`` (default postgres://postgres@127.0.0.1:5432/custos_bench_annual),
``BENCH_CARRIERS`` (default 100000), ``BENCH_RUNS``, ``BENCH_KEEP=1`` to reuse the database.
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

from tests.bench.bench_sweep import _env, _insert

ROOT = Path(__file__).resolve().parents[2]
URL = os.environ.get("BENCH_ANNUAL_URL", "postgres://postgres@127.0.0.1:5432/custos_bench_annual")
CARRIERS = int(os.environ.get("BENCH_CARRIERS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
KEEP = os.environ.get("BENCH_KEEP") == "1"
EVENTS_PER_CARRIER = 10
YEAR = 2026
TARGET_S = 20.0
TARGET_MB = 250

# The action of event ``s`` of carrier ``g``: one in ten destroyed (request, approval, two
# witnesses, destruction), one in a thousand lost, one in seven dispatched and received,
# the rest lent and returned.
ACTION = """CASE
    WHEN s = 1 THEN 'register'
    WHEN c.id % 10 = 0 THEN (ARRAY['checkout', 'return', 'destroy_request', 'destroy_approve',
        'destroy_witness', 'destroy_witness', 'destroy', 'inventory', 'inventory'])[s - 1]
    WHEN c.id % 1000 = 5 AND s = 10 THEN 'report_lost'
    WHEN c.id % 7 = 0 AND s IN (8, 9) THEN (ARRAY['dispatch', 'receive'])[s - 7]
    WHEN s % 2 = 0 THEN 'checkout'
    ELSE 'return' END"""


def build(url: str, carriers: int) -> float:
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
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        _insert(
            conn,
            "registry_person",
            {
                "code": "'PBENCHANNUAL' || g",
                "name": "'person ' || g",
                "clearance": "'top_secret'",
                "roles_text": "CASE WHEN g = 1 THEN ',committee,' ELSE ',witness,' END",
                "active": "true",
                "created_at": "now()",
            },
            "FROM generate_series(1, 3) AS g",
        )
        _insert(
            conn,
            "registry_location",
            {"code": "'LBENCHANNUAL1'", "name": "'safe'", "kind": "'safe'", "created_at": "now()"},
            "",
        )
        start = f"timestamptz '{YEAR}-01-01 08:00+08'"
        _insert(
            conn,
            "registry_carrier",
            {
                "code": "'CA' || lpad(g::text, 9, '0')",
                "title": "'文件 ' || g",
                "form": "(ARRAY['paper', 'magnetic', 'optical', 'electronic', 'device'])"
                "[g % 5 + 1]",
                "level": "(ARRAY['confidential', 'secret', 'top_secret'])[g % 3 + 1]",
                "unit": "'XZ'",
                "issued_on": f"date '{YEAR}-01-01' + (g % 330)",
                "status": "CASE WHEN g % 10 = 0 THEN 'destroyed' WHEN g % 1000 = 5 THEN 'lost' "
                "ELSE 'in_storage' END",
                "custodian_id": "(SELECT min(id) FROM registry_person)",
                "location_id": "(SELECT id FROM registry_location LIMIT 1)",
                "witnesses": "'[]'::jsonb",
                "seq": str(EVENTS_PER_CARRIER),
                "head_hash": "repeat('0', 64)",
                "created_at": "now()",
                "updated_at": "now()",
            },
            f"FROM generate_series(1, {carriers}) AS g",
        )
        # 1 % are copies of the carrier before them.
        conn.execute(
            "UPDATE registry_carrier SET parent_id = id - 1, copy_no = 2 WHERE id % 100 = 1 "
            "AND id > 1"
        )
        # Generated rows are consistent by construction: skip the per-row foreign-key and
        # append-only triggers while loading (1M deferred FK checks dominate otherwise).
        conn.execute("SET session_replication_role = replica")
        _insert(
            conn,
            "custody_event",
            {
                "id": "md5(c.id::text || '-' || s::text)::uuid",
                "carrier_id": "c.id",
                "seq": "s",
                "action": ACTION,
                "actor_id": "c.custodian_id",
                "counterpart_id": "CASE WHEN c.id % 10 = 0 AND s IN (6, 7) "
                "THEN c.custodian_id + s - 5 END",
                "location_id": "c.location_id",
                "occurred_at": f"{start} + interval '1 day' * (c.id % 330) + interval '1 hour' * s",
                "recorded_at": f"{start} + interval '1 day' * (c.id % 330) + interval '1 hour' * s",
                "late": "false",
                "payload": "'{}'::jsonb",
                "prev_hash": "repeat('0', 64)",
                "hash": "repeat('0', 64)",
            },
            f"FROM registry_carrier c CROSS JOIN generate_series(1, {EVENTS_PER_CARRIER}) AS s",
        )
        _insert(
            conn,
            "classification_case",
            {
                "carrier_id": "c.id",
                "kind": "CASE WHEN c.id % 100 = 3 THEN 'declassify' ELSE 'initial' END",
                "state": "'approved'",
                "level": "c.level",
                "scope": "'[]'::jsonb",
                "proposed_by_id": "c.custodian_id",
                "proposed_at": f"{start} + interval '1 day' * (c.id % 330)",
                "reviewed_by_id": "c.custodian_id",
                "decided_by_id": "c.custodian_id",
                "decided_at": f"{start} + interval '1 day' * (c.id % 330) + interval '2 days'",
                "automatic": "false",
            },
            "FROM registry_carrier c WHERE c.id % 20 = 3",
        )
        _insert(
            conn,
            "inventory_stocktake",
            {
                "location_id": "(SELECT id FROM registry_location LIMIT 1)",
                "opened_by_id": "(SELECT min(id) FROM registry_person)",
                "opened_at": f"{start} + interval '1 day' * g",
                "closed_at": f"{start} + interval '1 day' * g + interval '3 hours'",
                "expected": "'[]'::jsonb",
                "found": "'[]'::jsonb",
                "missing": "CASE WHEN g % 10 = 0 THEN '[\"CA1\"]'::jsonb ELSE '[]'::jsonb END",
                "unexpected": "'[]'::jsonb",
            },
            "FROM generate_series(1, 200) AS g",
        )
        _insert(
            conn,
            "alerts_alert",
            {
                "kind": "'overdue_return'",
                "carrier_id": "c.id",
                "status": "CASE WHEN c.id % 100 = 2 THEN 'resolved' ELSE 'open' END",
                "opened_at": f"{start} + interval '1 day' * (c.id % 330)",
                "resolved_at": "CASE WHEN c.id % 100 = 2 "
                f"THEN {start} + interval '1 day' * (c.id % 330 + 5) END",
                "details": "'{}'::jsonb",
                "created_at": "now()",
            },
            "FROM registry_carrier c WHERE c.id % 50 = 2",
        )
        _insert(
            conn,
            "classification_lossreport",
            {
                "carrier_id": "e.carrier_id",
                "quantity": "1",
                "occurred_at": "e.occurred_at",
                "reported_by_id": "e.actor_id",
                "reported_at": "e.occurred_at + interval '2 hours'",
            },
            "FROM custody_event e WHERE e.action = 'report_lost'",
        )
        conn.execute("SET session_replication_role = origin")
        conn.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


CHILD = """
import json, resource, sys, tempfile, time, django
django.setup()
from backend.inspection.annual import annual_json, annual_report
from backend.inspection.annual_docx import annual_docx
from backend.inspection.annual_pdf import annual_pdf
year = int(sys.argv[1])
out = {}
for fmt in ("json", "pdf", "docx"):
    t0 = time.perf_counter()
    report = annual_report(year)
    t1 = time.perf_counter()
    with tempfile.TemporaryFile() as f:
        if fmt == "json":
            f.write(json.dumps(annual_json(report)).encode())
        else:
            (annual_pdf if fmt == "pdf" else annual_docx)(report, f)
        size = f.tell()
    out[fmt] = {"data_s": t1 - t0, "render_s": time.perf_counter() - t1, "bytes": size}
out["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out["registered"] = sum(v["registered"] for v in report.by_level.values())
print(json.dumps(out))
"""


def main() -> int:
    if not KEEP:
        seconds = build(URL, CARRIERS)
        print(
            f"  built {CARRIERS} carriers, {CARRIERS * EVENTS_PER_CARRIER} events in "
            f"{seconds:.0f} s",
            flush=True,
        )
    runs = []
    for run in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(YEAR)],
            env=_env(URL),
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        total = sum(r[f]["data_s"] + r[f]["render_s"] for f in ("json", "pdf", "docx"))
        r["total_s"] = total
        runs.append(r)
        print(f"  run {run + 1}: {total:.1f} s, peak {r['peak_kb'] / 1024:.0f} MB", flush=True)
    print()
    print(
        f"| annual report, {CARRIERS} carriers, {CARRIERS * EVENTS_PER_CARRIER} events "
        "| data | render | file |"
    )
    print("|---|---|---|---|")
    for fmt in ("json", "pdf", "docx"):
        data = statistics.median(r[fmt]["data_s"] for r in runs)
        render = statistics.median(r[fmt]["render_s"] for r in runs)
        size = statistics.median(r[fmt]["bytes"] for r in runs) / 1e3
        print(f"| {fmt} | {data:.2f} s | {render:.2f} s | {size:.0f} kB |")
    total = statistics.median(r["total_s"] for r in runs)
    peak = statistics.median(r["peak_kb"] for r in runs) / 1024
    print(
        f"| all three, one after the other | {total:.1f} s ({total / TARGET_S:.2f}× of "
        f"{TARGET_S:.0f} s) | peak {peak:.0f} MB ({peak / TARGET_MB:.2f}× of {TARGET_MB} MB) "
        f"| {runs[-1]['registered']} registered |"
    )
    return int(total > TARGET_S or peak > TARGET_MB)


if __name__ == "__main__":
    sys.exit(main())
