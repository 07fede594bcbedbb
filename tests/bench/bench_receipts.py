"""Single-scan ingest with receipts beside the same ingest without them, in one run.

Every recorded scan's answer carries its receipt, the event's ``seq`` and ``hash``
(CONTRACT.md); the issue allows that at most 5 % of single-scan throughput. The hash is
computed for the chain anyway, so the receipt's cost is building and sending two more
fields per result — measured here, not assumed.

1. A fresh database ``custos_bench_receipts`` seeded like the ledger bench (4,000
   carriers, a clerk's token).
2. One process runs the real application in process (Django's WSGI handler through the
   test client: bearer authentication, the ninja endpoint, PostgreSQL ingest) and posts
   single ``inventory`` scans to ``POST /api/v1/scans`` in alternating blocks: with the
   receipt fields (the code as shipped) and without them (the same endpoint with
   ``backend.custody.api.result_out`` giving back the answer minus ``seq`` and
   ``hash``). Alternating blocks share whatever the machine does meanwhile.
3. The ratio of the medians, with receipts over without; the target is >= 0.95.

Environment: ``BENCH_RECEIPTS_URL`` (default postgres://postgres@127.0.0.1:5432/custos_bench_receipts),
``BENCH_RECEIPTS_BLOCKS`` (default 8 per variant), ``BENCH_RECEIPTS_SCANS`` (default 300
per block), ``BENCH_KEEP=1`` to reuse the database seeded by an earlier run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench.bench_ledger import ROOT, _env, prepare

URL = os.environ.get(
    "BENCH_RECEIPTS_URL", "postgres://postgres@127.0.0.1:5432/custos_bench_receipts"
)
BLOCKS = int(os.environ.get("BENCH_RECEIPTS_BLOCKS", "8"))
SCANS = int(os.environ.get("BENCH_RECEIPTS_SCANS", "300"))
KEEP = os.environ.get("BENCH_KEEP") == "1"
TARGET = 0.95

CHILD = r"""
import json, random, statistics, sys, time, uuid
import django
django.setup()
from django.test import Client
from backend.custody import api

seed = json.loads(sys.argv[1])
blocks, scans = int(sys.argv[2]), int(sys.argv[3])
shipped = api.result_out

def bare(r):
    out = shipped(r)
    del out["seq"], out["hash"]
    return out

client = Client()
auth = {"HTTP_AUTHORIZATION": "Bearer " + seed["token"]}
codes = seed["codes"]

def block(receipts):
    api.result_out = shipped if receipts else bare
    bodies = [
        json.dumps({"scans": [{"id": str(uuid.uuid4()), "action": "inventory",
                               "carrier": random.choice(codes)}]})
        for _ in range(scans)
    ]
    started = time.perf_counter()
    for body in bodies:
        answer = client.post("/api/v1/scans", body, content_type="application/json", **auth)
        result = answer.json()["results"][0]
        assert result["status"] == "recorded", result
        assert ("hash" in result) == receipts, result
    return scans / (time.perf_counter() - started)

block(True); block(False)  # warm both paths: connections, prepared statements, caches
rates = {True: [], False: []}
for i in range(blocks):
    for receipts in ((True, False) if i % 2 == 0 else (False, True)):
        rates[receipts].append(block(receipts))
print(json.dumps({"with": rates[True], "without": rates[False]}))
"""


def main() -> int:
    kept = Path(tempfile.gettempdir()) / f"{URL.rsplit('/', 1)[1]}.seed.json"
    if KEEP and kept.exists():
        seed = json.loads(kept.read_text())
    else:
        print(f"-- seeding {URL.rsplit('/', 1)[1]}")
        seed = prepare(URL)
        kept.write_text(json.dumps(seed))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(seed), str(BLOCKS), str(SCANS)],
        env=_env(URL),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rates = json.loads(done.stdout.strip().splitlines()[-1])
    with_, without = statistics.median(rates["with"]), statistics.median(rates["without"])
    ratio = with_ / without
    print("-- blocks with:", " ".join(f"{r:.0f}" for r in rates["with"]))
    print("-- blocks without:", " ".join(f"{r:.0f}" for r in rates["without"]))
    rows = [
        ("single scans, receipts in the answer", f"{with_:.0f} scans/s", ""),
        ("single scans, answer without receipts", f"{without:.0f} scans/s", ""),
        ("ratio with / without (medians)", f"{ratio:.3f}", f">= {TARGET}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{f'receipts benchmark ({BLOCKS}×{SCANS} scans each)':<{width}}  {'figure':>14}  target")
    for label, figure, target in rows:
        print(f"{label:<{width}}  {figure:>14}  {target}")
    ok = ratio >= TARGET
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
