"""``custos import`` of a register exported from another instance: time and peak memory
(target: 100,000 rows in under 60 s and under 300 MB), and carrier-for-carrier equality.

1. Seed instance A (embedded SQLite) with the carriers, spread over three levels, six kinds
   of period, two custodians and two places, a tenth with a knowledge scope; export its
   涉密载体登记簿 as XLSX (``register_export``, as ``GET /registers/carriers.xlsx``).
2. Create instance B with the same people and places and no carrier, and run
   ``custos import`` on the file in a child process that reads its peak resident set size.
3. Compare A and B carrier by carrier (code, level, marking, period end, custodian, place,
   scope, copies, state), and check that a second import adds nothing.

Environment: ``BENCH_IMPORT_SIZES`` (default ``5000,100000``).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

# One way to run a snippet in a fresh SQLite instance, shared with the registers bench.
from tests.bench.bench_registers import _env, _run

SIZES = [int(n) for n in os.environ.get("BENCH_IMPORT_SIZES", "5000,100000").split(",")]
TARGET_MB = 300
TARGET_S = 60.0

PEOPLE = """
from backend.registry.services import location_create, person_create
people = [
    person_create(name="王登记", clearance="top_secret", roles=["registrar"], code="P-REG-BENCH"),
    person_create(name="李保管", clearance="top_secret", roles=["clerk"], code="P-CLK-BENCH1"),
    person_create(name="赵保管", clearance="top_secret", roles=["clerk"], code="P-CLK-BENCH2"),
    person_create(name="保密委", clearance="top_secret", roles=["committee"], code="P-COM-BENCH"),
]
places = [location_create(name="一号保密柜", kind="safe", code="L-SAFE-BENCH1"),
          location_create(name="二号保密柜", kind="safe", code="L-SAFE-BENCH2")]
"""

SEED_AND_EXPORT = (
    """
import django, sys
django.setup()
from datetime import date, timedelta
from django.core.management import call_command
from django.db import transaction
call_command("migrate", verbosity=0)
"""
    + PEOPLE
    + """
from backend.registers.selectors import Filters
from backend.registers.services import register_export
from backend.registry.marking import Period, period_end
from backend.registry.models import Carrier, Person
from backend.registry.principals import Principal
from labels.codes import Kind, generate
n = int(sys.argv[1])
levels = ["confidential", "secret", "top_secret"]
periods = [Period(), Period(years=5), Period(months=6), Period(days=30),
           Period(until=date(2040, 12, 31)), Period(condition="项目验收后")]
states = ["registered", "in_storage", "in_use"]
through = Carrier.scope.through
with transaction.atomic():
    for start in range(0, n, 5000):
        rows = []
        for i in range(start, min(n, start + 5000)):
            p, level, issued = periods[i % 6], levels[i % 3], date(2020, 1, 1) + timedelta(i % 1500)
            rows.append(Carrier(
                code=generate(Kind.CARRIER, prefix="XZ"), title=f"文件标题第{i}号（年度工作）",
                form=["paper", "optical", "electronic"][i % 3], level=level,
                period_years=p.years, period_months=p.months, period_days=p.days,
                period_until=p.until, period_condition=p.condition or "",
                period_ends_on=period_end(issued_on=issued, level=level, period=p),
                basis="定密事项一览表第3项", copy_no=1 if i % 7 == 0 else None,
                copies_total=3 if i % 7 == 0 else None, unit="XZ", issued_on=issued,
                status=states[i % 3], custodian=people[1 + i % 2], location=places[i % 4 // 3]))
        made = Carrier.objects.bulk_create(rows)
        through.objects.bulk_create(
            [through(carrier_id=c.id, person_id=people[1].id) for c in made[::10]])
with open(sys.argv[2], "wb") as out:
    register_export(principal=Principal(person=people[3]), name="carriers", fmt="xlsx",
                    filters=Filters(), out=out)
"""
)

FRESH = (
    """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
"""
    + PEOPLE
)

IMPORT = """
import django, io, json, resource, sys, time
django.setup()
from django.core.management import call_command
usage = resource.getrusage(resource.RUSAGE_SELF)
before, cpu0 = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
out = io.StringIO()
t0 = time.perf_counter()
try:
    call_command("import", sys.argv[1], "--as", "P-REG-BENCH", stdout=out)
    code = 0
except SystemExit as exc:
    code = exc.code
seconds = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu0
print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_kb": peak, "base_kb": before, "exit": code,
                  "out": out.getvalue().splitlines()[-3:]}))
"""

DIGEST = """
import django, hashlib, json
django.setup()
from backend.registry.models import Carrier
h = hashlib.sha256()
n = 0
qs = Carrier.objects.order_by("code").select_related("custodian", "location")
for c in qs.prefetch_related("scope").iterator(chunk_size=2000):
    row = (c.code, c.title, c.form, c.level, c.marking, str(c.period_ends_on), c.status,
           c.custodian.code, c.location.code, sorted(p.code for p in c.scope.all()),
           c.copy_no, c.copies_total, str(c.issued_on))
    h.update(json.dumps(row, ensure_ascii=False).encode())
    n += 1
print(json.dumps({"count": n, "digest": h.hexdigest()}))
"""


def main() -> int:
    failed = 0
    rows = []
    for size in SIZES:
        folder = Path(tempfile.mkdtemp(prefix="custos-bench-import-"))
        a, b = _env(folder / "a.sqlite3"), _env(folder / "b.sqlite3")
        a["CUSTOS_VAR_DIR"], b["CUSTOS_VAR_DIR"] = str(folder / "va"), str(folder / "vb")
        register = folder / "register.xlsx"
        _run(SEED_AND_EXPORT, a, str(size), str(register))
        _run(FRESH, b)
        first = json.loads(_run(IMPORT, b, str(register)))
        again = json.loads(_run(IMPORT, b, str(register)))
        same = json.loads(_run(DIGEST, a)) == json.loads(_run(DIGEST, b))
        peak = first["peak_kb"] / 1024
        print(
            f"  {size} rows: {first['seconds']:.1f} s ({first['cpu']:.1f} s CPU), "
            f"peak {peak:.0f} MB, exit "
            f"{first['exit']}; {first['out'][-2] if first['out'] else ''}; re-run: "
            f"{again['out'][-3] if again['out'] else ''}; A == B: {same}",
            flush=True,
        )
        ok = (
            first["exit"] == 0
            and again["exit"] == 0
            and f"0 new, {size} already present." in again["out"]
            and same
            and peak < TARGET_MB
            and first["seconds"] < TARGET_S
        )
        rows.append((size, first["seconds"], first["cpu"], peak, again["seconds"], same, ok))
        failed |= int(not ok)
    print()
    print(
        f"| import of an exported register | time (< {TARGET_S:.0f} s) | CPU time | peak RSS "
        f"(< {TARGET_MB} MB) | re-run | carrier for carrier | targets |"
    )
    print("|---|---|---|---|---|---|---|")
    for size, seconds, cpu, peak, rerun, same, ok in rows:
        print(
            f"| {size} rows | {seconds:.1f} s | {cpu:.1f} s | {peak:.0f} MB | {rerun:.1f} s "
            f"| {same} | {'met' if ok else 'NOT met'} |"
        )
    return failed


if __name__ == "__main__":
    sys.exit(main())
