"""Ledger ingest over real HTTP against PostgreSQL, beside bare psycopg inserts.

1. Create a fresh database ``custos_bench``, migrate it, register carriers, mint a token.
2. Bare baselines on the same machine in the same run: the same rows inserted through
   psycopg into a copy of the events table — one row per transaction, then
   ``executemany`` in batches of 500.
3. Start the production web server (gunicorn, sync workers) on loopback and drive it:
   single scans from 8 concurrent clients (scans/s, p50, p99) and batches of 500.
4. The same server serving a minimal django-ninja insert endpoint
   (``minimal_endpoint.py``), driven with the same single scans: the rate and latency
   this machine gives any Django request, the floor under the ledger's own figures.
5. Print the table with ratios against the baselines and the issue's targets.

Environment: ``BENCH_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/custos_bench),
``BENCH_SECONDS`` (default 10 per phase), ``BENCH_RUNS`` (default 3; medians reported),
``BENCH_SERVER`` (gunicorn or granian), ``BENCH_SERVER_WORKERS`` (default 2) and
``BENCH_SERVER_ARGS`` (more arguments for the server, to compare settings).
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from tests.debian import ensure_command

ROOT = Path(__file__).resolve().parents[2]
URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/custos_bench")
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CLIENTS = 8
BATCH = 500
CARRIERS = 4000
SERVER_WORKERS = int(os.environ.get("BENCH_SERVER_WORKERS", "2"))
SERVER = os.environ.get("BENCH_SERVER", "gunicorn")
# The table minimal_endpoint.py inserts into.
MINIMAL = "bench_minimal"
MINIMAL_TABLE = (
    f"CREATE TABLE {MINIMAL} (id uuid PRIMARY KEY, action text NOT NULL,"
    " carrier text NOT NULL, counterpart text, recorded_at timestamptz NOT NULL)"
)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=URL, DJANGO_SETTINGS_MODULE="backend.settings", CUSTOS_LOG_LEVEL="WARNING"
    )
    # One token drives thousands of requests a second here; the per-token rate limit
    # (docs/security.md) would measure itself, not the ledger.
    env.setdefault("CUSTOS_RATE_SCANS", "off")
    env.setdefault("CUSTOS_RATE_API", "off")
    return env


def prepare() -> dict[str, object]:
    admin_url = URL.rsplit("/", 1)[0] + "/postgres"
    name = URL.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate", "-v0"], env=_env(), cwd=ROOT, check=True
    )
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(MINIMAL_TABLE)
    seed = subprocess.run(
        [sys.executable, "-c", SEED],
        env=_env(),
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(seed.stdout.strip().splitlines()[-1])


SEED = f"""
import json, django
django.setup()
from django.db import transaction
from backend.registry.marking import Period
from backend.registry.principals import Principal
try:  # the registry's carrier_register moved to classification.intake (issue 14)
    from backend.classification.intake import carrier_register
except ImportError:
    from backend.registry.services import carrier_register
from backend.registry.services import location_create, person_create, token_create
reg = person_create(name="reg", clearance="top_secret", roles=["registrar"])
a = person_create(name="clerk a", clearance="top_secret", roles=["clerk"])
b = person_create(name="clerk b", clearance="top_secret", roles=["clerk"])
safe = location_create(name="safe", kind="safe")
codes = []
with transaction.atomic():
    for i in range({CARRIERS}):
        c = carrier_register(principal=Principal(person=reg), title=f"t{{i}}", form="paper",
            level="secret", period=Period(), basis="b", custodian=a, location=safe, draft=False)
        codes.append(c.code)
print(json.dumps({{"token": token_create(person=a), "a": a.code, "b": b.code, "codes": codes}}))
"""


def bare_rows(n: int) -> list[tuple[object, ...]]:
    now = datetime.now(UTC)
    return [
        (
            uuid.uuid4(),
            1,
            i + 1,
            "transfer",
            1,
            2,
            None,
            1,
            None,
            now,
            now,
            None,
            False,
            json.dumps({}),
            "0" * 64,
            "f" * 64,
        )
        for i in range(n)
    ]


INSERT = (
    "INSERT INTO bench_bare (id, carrier_id, seq, action, actor_id, counterpart_id, escort_id,"
    " location_id, device_id, occurred_at, recorded_at, due_at, late, payload, prev_hash, hash)"
    " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)"
)


def bare_single() -> float:
    with psycopg.connect(URL) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_bare")
        conn.execute(
            "CREATE TABLE bench_bare (LIKE custody_event INCLUDING DEFAULTS INCLUDING INDEXES)"
        )
        conn.commit()
        rows = bare_rows(200_000)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < SECONDS:
            conn.execute(INSERT, rows[count])
            conn.commit()
            count += 1
        return count / (time.perf_counter() - start)


def bare_batched() -> float:
    with psycopg.connect(URL) as conn:
        conn.execute("TRUNCATE bench_bare")
        conn.commit()
        rows = bare_rows(BATCH)
        count, start = 0, time.perf_counter()
        with conn.cursor() as cur:
            while time.perf_counter() - start < SECONDS:
                fresh = [(uuid.uuid4(), r[1], count + j + 1, *r[3:]) for j, r in enumerate(rows)]
                cur.executemany(INSERT, fresh)
                conn.commit()
                count += len(fresh)
        return count / (time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, app: str = "backend.wsgi:application") -> subprocess.Popen[bytes]:
    if SERVER == "granian":
        argv = [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(SERVER_WORKERS),
            "--log-level",
            "warning",
        ]
    else:
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(SERVER_WORKERS),
            "--log-level",
            "warning",
        ]
    argv += shlex.split(os.environ.get("BENCH_SERVER_ARGS", ""))
    proc = subprocess.Popen(argv, env=_env(), cwd=ROOT)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


LUA = r"""
local codes = {%(codes)s}
local people = {%(people)s}
local batch = %(batch)d
local counter = 0
local prefix = ""
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
function init(args)
  -- Ids must differ between runs too (a repeated id is a `duplicate`, not a new scan):
  -- the salt is fresh for every run, the thread number tells threads apart.
  math.randomseed(tid)
  prefix = string.format("%%s%%02x", "%(salt)s", tid)
end
local function uuid()
  counter = counter + 1
  local tail = string.format("%%012x", counter)
  return prefix .. "-" .. string.format("%%04x", math.random(0, 65535)) .. "-4" ..
    string.format("%%03x", math.random(0, 4095)) .. "-a" ..
    string.format("%%03x", math.random(0, 4095)) .. "-" .. tail
end
request = function()
  local parts = {}
  for i = 1, batch do
    if batch == 1 then
      parts[i] = '{"id":"' .. uuid() .. '","action":"transfer","carrier":"' ..
        codes[math.random(#codes)] .. '","counterpart":"' .. people[math.random(#people)] .. '"}'
    else
      parts[i] = '{"id":"' .. uuid() .. '","action":"inventory","carrier":"' ..
        codes[math.random(#codes)] .. '"}'
    end
  end
  return wrk.format("POST", "/api/v1/scans",
    {["Authorization"] = "Bearer %(token)s", ["Content-Type"] = "application/json"},
    '{"scans":[' .. table.concat(parts, ",") .. ']}')
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%f %%f %%d %%f\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout, latency.mean))
end
"""


def drive(
    port: int,
    seed: dict[str, object],
    *,
    batch: int,
    connections: int,
    seconds: float = SECONDS,
    table: str = "custody_event",
) -> dict[str, float]:
    """wrk (C, so the load generator leaves the CPU to the server) for SECONDS."""
    codes = seed["codes"]
    assert isinstance(codes, list)
    script = Path(tempfile.mkdtemp()) / "scans.lua"
    script.write_text(
        LUA
        % {
            "codes": ",".join(f'"{c}"' for c in codes),
            "people": f'"{seed["a"]}","{seed["b"]}"',
            "batch": batch,
            "token": seed["token"],
            "salt": uuid.uuid4().hex[:6],
        }
    )
    before = rows_in(table)
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{max(1, int(seconds))}s",
            "-s",
            str(script),
            "--timeout",
            "10s",
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"wrk failed: {out.stderr or out.stdout}")
    out = out.stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    _, requests, micros, p50, p99, errors, mean = line.split()
    recorded = rows_in(table) - before
    seconds_run = int(micros) / 1e6
    return {
        "rate": recorded / seconds_run,
        # Little's law: with every connection always waiting on an answer, the mean
        # latency is connections / request rate. wrk's own mean far below that means some
        # connections sat unanswered (a server that starves them) and its percentiles,
        # taken over the answers that came, flatter the server.
        "starved": float(mean) / 1000 < 0.8 * connections / (int(requests) / seconds_run) * 1000,
        "p50": float(p50) / 1000,
        "p99": float(p99) / 1000,
        "sent": int(requests) * batch,
        "recorded": recorded,
        "errors": int(errors),
    }


def rows_in(table: str) -> int:
    with psycopg.connect(URL) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        return int(row[0])


def main() -> int:
    reason = ensure_command("wrk", "wrk")
    if reason is not None:
        print(f"wrk drives the server: {reason}")
        return 1
    seed = prepare()
    rows: dict[str, list[float]] = {
        k: []
        for k in (
            *("bare1", "bareN", "min", "mp50", "mp99"),
            *("single", "p50", "p99", "batch", "bp50", "bp99"),
        )
    }
    lost = starved = 0
    port, floor_port = free_port(), free_port()
    # Both servers stay up; the one not being driven sits idle in accept().
    server = start_server(port)
    floor = start_server(floor_port, "tests.bench.minimal_endpoint:application")
    try:
        # Warm up: the workers import Django, open their database connections and fill
        # their caches on the first requests; those seconds are not the steady state.
        drive(floor_port, seed, batch=1, connections=CLIENTS, seconds=3, table=MINIMAL)
        drive(port, seed, batch=1, connections=CLIENTS, seconds=3)
        drive(port, seed, batch=BATCH, connections=2, seconds=2)
        for run in range(RUNS):
            rows["bare1"].append(bare_single())
            rows["bareN"].append(bare_batched())
            least = drive(floor_port, seed, batch=1, connections=CLIENTS, table=MINIMAL)
            rows["min"].append(least["rate"])
            rows["mp50"].append(least["p50"])
            rows["mp99"].append(least["p99"])
            one = drive(port, seed, batch=1, connections=CLIENTS)
            many = drive(port, seed, batch=BATCH, connections=2)
            rows["single"].append(one["rate"])
            rows["p50"].append(one["p50"])
            rows["p99"].append(one["p99"])
            rows["batch"].append(many["rate"])
            rows["bp50"].append(many["p50"])
            rows["bp99"].append(many["p99"])
            starved += int(one["starved"]) + int(many["starved"])
            # Every scan wrk completed must be in the ledger; errors are non-2xx or broken
            # connections. (In-flight requests at the end may land without being counted.)
            lost += max(0, one["sent"] - one["recorded"]) + max(0, many["sent"] - many["recorded"])
            lost += max(0, least["sent"] - least["recorded"])
            lost += one["errors"] + many["errors"] + least["errors"]
            starved += int(least["starved"])
            print(
                f"  run {run + 1}: bare {rows['bare1'][-1]:.0f}/s, minimal endpoint "
                f"{least['rate']:.0f}/s p99 {least['p99']:.1f} ms, single {one['rate']:.0f}/s "
                f"({one['rate'] / rows['bare1'][-1]:.2f}) p99 {one['p99']:.1f} ms, "
                f"bare batched {rows['bareN'][-1]:.0f}/s, batches {many['rate']:.0f}/s "
                f"({many['rate'] / rows['bareN'][-1]:.2f})",
                flush=True,
            )
    finally:
        for process in (server, floor):
            process.terminate()
            process.wait(timeout=30)
    errors = lost

    m = {k: statistics.median(v) for k, v in rows.items()}
    single_ratio, batch_ratio = m["single"] / m["bare1"], m["batch"] / m["bareN"]
    print()
    print(f"{'measure (median of ' + str(RUNS) + ' runs)':<52}{'value':>12}")
    print(f"{'bare psycopg insert, 1 row per transaction':<52}{m['bare1']:>10.0f}/s")
    print(f"{'bare psycopg executemany, batches of 500':<52}{m['bareN']:>10.0f}/s")
    print(f"{'minimal django-ninja insert endpoint, 8 connections':<52}{m['min']:>10.0f}/s")
    print(f"{'  p50 / p99 latency':<52}{m['mp50']:>6.1f} / {m['mp99']:.1f} ms")
    print(f"{'POST /scans single scans, 8 connections (' + SERVER + ')':<52}{m['single']:>10.0f}/s")
    print(f"{'  p50 / p99 latency':<52}{m['p50']:>6.1f} / {m['p99']:.1f} ms")
    print(f"{'  ratio to bare single (target >= 0.25)':<52}{single_ratio:>12.2f}")
    # The bare rate swings by a third between runs here (one connection, a WAL flush per
    # row); each run's own pair, measured minutes apart, shares more of the conditions.
    paired = statistics.median(a / b for a, b in zip(rows["single"], rows["bare1"], strict=True))
    print(f"{'  median of the ratio within each run':<52}{paired:>12.2f}")
    print(f"{'  ratio to the minimal endpoint':<52}{m['single'] / m['min']:>12.2f}")
    print(f"{'POST /scans batches of 500, 2 connections':<52}{m['batch']:>10.0f}/s")
    print(f"{'  p50 / p99 latency per batch':<52}{m['bp50']:>6.1f} / {m['bp99']:.1f} ms")
    print(f"{'  ratio to bare batched (target >= 0.10)':<52}{batch_ratio:>12.2f}")
    paired = statistics.median(a / b for a, b in zip(rows["batch"], rows["bareN"], strict=True))
    print(f"{'  median of the ratio within each run':<52}{paired:>12.2f}")
    print(f"{'scans not recorded, or failed requests':<52}{errors:>12}")
    print(f"{'phases where some connections were starved':<52}{starved:>12}")
    met = (
        single_ratio >= 0.25
        and m["p99"] < 25
        and batch_ratio >= 0.10
        and errors == 0
        and starved == 0
    )
    print(f"targets {'met' if met else 'NOT met'}")
    if m["mp99"] >= 25:
        print(
            f"  (the minimal endpoint's own p99 is {m['mp99']:.1f} ms: on this machine no Django"
            " request at 8 connections meets the 25 ms p99)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
