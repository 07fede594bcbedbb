"""Register exports of 100,000 carriers: peak memory and time (target: under 200 MB).

1. Seed a fresh embedded SQLite database (``BENCH_REGISTER_DB`` to reuse one) with
   100,000 carriers, a tenth of them with a knowledge scope, in a child process.
2. Export the carrier register as XLSX and as PDF, each in its own child process that
   reads its peak resident set size (``ru_maxrss``) when done, so one export's memory
   cannot hide in another's: once as the API streams it, once as the pages' background
   job writes it (backend/registers/jobs.py, with its progress counter).
3. The first PDF of each run starts with an empty glyph cache (labels/glyphstore.py): it
   reads the CJK font, as on a fresh machine; the exports after it find the glyphs cached.
4. Repeat ``BENCH_RUNS`` times (default 3) and print the medians.

Environment: ``BENCH_CARRIERS`` (default 100000), ``BENCH_RUNS``, ``BENCH_REGISTER_DB``.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CARRIERS = int(os.environ.get("BENCH_CARRIERS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
TARGET_MB = 200

SEED = """
import django, sys
django.setup()
from datetime import date
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
from backend.registry.models import Carrier
from backend.registry.services import location_create, person_create
from labels.codes import Kind, generate
n = int(sys.argv[1])
keeper = person_create(name="保管员", clearance="top_secret", roles=["clerk"])
committee = person_create(name="保密委", clearance="top_secret", roles=["committee"])
safe = location_create(name="保密柜", kind="safe")
levels = ["confidential", "secret", "top_secret"]
through = Carrier.scope.through
with transaction.atomic():
    for start in range(0, n, 5000):
        rows = [
            Carrier(code=generate(Kind.CARRIER, prefix="XZ"), title=f"文件标题第{i}号（年度工作）",
                    form="paper", level=levels[i % 3], period_years=10, basis="定密事项一览表第3项",
                    copy_no=1, copies_total=3, unit="XZ", issued_on=date(2025, 1, 1),
                    status="in_storage", custodian=keeper, location=safe)
            for i in range(start, min(n, start + 5000))
        ]
        made = Carrier.objects.bulk_create(rows)
        through.objects.bulk_create(
            [through(carrier_id=c.id, person_id=keeper.id) for c in made[::10]]
        )
print(committee.code)
"""

EXPORT = """
import django, resource, sys, time
django.setup()
from backend.registers.selectors import Filters
from backend.registers.services import register_export
from backend.registry.models import Person
from backend.registry.principals import Principal
committee = Principal(person=Person.objects.get(code=sys.argv[2]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
with open(sys.argv[3], "wb") as out:
    register_export(principal=committee, name="carriers", fmt=sys.argv[1], filters=Filters(),
                    out=out)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
import json, os
print(json.dumps({"seconds": seconds, "peak_kb": peak, "base_kb": before,
                  "bytes": os.path.getsize(sys.argv[3])}))
"""

# The pages' path: the worker's job, which writes under CUSTOS_VAR_DIR and stores progress.
EXPORT_JOB = """
import django, resource, shutil, sys, time
django.setup()
from django.conf import settings
from backend.registers.jobs import register_export_run
from backend.registers.models import RegisterExport
from backend.registry.models import Person
job = RegisterExport.objects.create(requested_by=Person.objects.get(code=sys.argv[2]),
                                    name="carriers", fmt=sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
job = register_export_run(job_id=job.pk)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
assert job.status == "done" and job.done == job.total, (job.status, job.error)
shutil.move(str(settings.VAR_DIR / job.file), sys.argv[3])
import json, os
print(json.dumps({"seconds": seconds, "peak_kb": peak, "base_kb": before,
                  "bytes": os.path.getsize(sys.argv[3])}))
"""


def _env(db: str | Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_SETTINGS_MODULE="backend.settings",
        CUSTOS_LOG_LEVEL="WARNING",
    )
    return env


def _run(code: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    lines = done.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="custos-bench-registers-"))
    db = os.environ.get("BENCH_REGISTER_DB") or str(folder / "bench.sqlite3")
    env = _env(db)
    fresh = not Path(db).exists()
    committee = _run(SEED, env, str(CARRIERS)) if fresh else os.environ["BENCH_COMMITTEE"]
    print(f"  seeded {CARRIERS} carriers in {db}", flush=True)
    env["CUSTOS_VAR_DIR"] = str(folder)
    ways = {
        "pdf, glyph cache empty": EXPORT,
        "xlsx": EXPORT,
        "pdf": EXPORT,
        "page job xlsx": EXPORT_JOB,
        "page job pdf": EXPORT_JOB,
    }
    results: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
    for run in range(RUNS):
        env["CUSTOS_GLYPH_CACHE"] = str(folder / f"glyphs-{run}")  # empty: the first way fills it
        for way, code in ways.items():
            fmt = way.split(",")[0].rsplit(" ", 1)[-1]
            out = folder / f"register.{fmt}"
            results[way].append(json.loads(_run(code, env, fmt, committee, str(out))))
            r = results[way][-1]
            print(
                f"  run {run + 1} {way}: {r['seconds']:.1f} s, peak {r['peak_kb'] / 1024:.0f} MB",
                flush=True,
            )
    print()
    print(
        f"| register export, {CARRIERS} carriers | peak RSS | of target | before export "
        "| time | file |"
    )
    print("|---|---|---|---|---|---|")
    failed = 0
    for way, runs in results.items():
        peak = statistics.median(r["peak_kb"] for r in runs) / 1024
        base = statistics.median(r["base_kb"] for r in runs) / 1024
        seconds = statistics.median(r["seconds"] for r in runs)
        size = statistics.median(r["bytes"] for r in runs) / 1e6
        print(
            f"| {way} | {peak:.0f} MB | {peak / TARGET_MB:.2f}× of {TARGET_MB} MB "
            f"| {base:.0f} MB | {seconds:.1f} s | {size:.1f} MB |"
        )
        failed |= int(peak > TARGET_MB)
    return failed


if __name__ == "__main__":
    sys.exit(main())
