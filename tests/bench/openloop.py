"""Open-loop load generator for POST /api/v1/scans, run in its own process.

Why not wrk: wrk is closed-loop (each connection waits for its answer before the next
request), so a slow answer delays the requests behind it and they are never measured as
late — coordinated omission. wrk2 and vegeta fix that, but Debian packages neither (its
``hey`` and ``siege`` are closed-loop too). This is the same idea in a couple of hundred
lines of asyncio on raw sockets, with no dependency; at these rates (≤ 200/s, one scan
a request) it uses under a tenth of a core, start-up included (the table prints it),
and on an idle machine its timer keeps to about a millisecond:

- arrivals follow a fixed timetable (request ``i`` is due at ``start + i / rate``); the
  scheduler only sleeps until the next due time and hands the request to its own task,
  it never waits for an answer;
- each latency is taken from the request's *intended* send time, not from when it was
  actually written, so a stalled server (or a stalled generator) shows up in the tail
  as the users queued behind it would feel it — what wrk2 does, and what HdrHistogram's
  ``recordValueWithExpectedInterval`` reconstructs after the fact for closed-loop tools;
- connections are reused when the server keeps them alive (HTTP/1.1) and opened afresh
  when it closes them (gunicorn's sync workers answer ``Connection: close``), as a
  scanner would;
- how late the generator itself handed each request to its task is reported beside the
  figures, so a generator starved of CPU is seen, not mistaken for a slow server.

Usage: ``python -m tests.bench.openloop < config.json`` prints one JSON line of results.
The config names ``port``, ``rate``, ``seconds``, ``token``, ``carriers`` (codes),
``people`` (badge codes) and ``salt`` (hex, makes scan ids unique across runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import math
import os
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

TIMEOUT = 10.0
# More would only queue inside the kernel's accept backlog; waiting for a slot is timed.
MAX_OPEN = 256


def schedule(rate: float, seconds: float) -> list[float]:
    """Intended send offsets in seconds from the start: a fixed, evenly spaced timetable."""
    if rate <= 0 or seconds <= 0:
        return []
    return [i / rate for i in range(math.floor(rate * seconds + 1e-9))]


def percentile(ordered: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile of sorted values (as HdrHistogram reports it:
    the smallest value with at least ``q`` % of the values at or below it)."""
    if not ordered:
        return math.nan
    # Rounded first: 99.9 / 100 * 1000 is 999.0000000000001 in floating point.
    rank = math.ceil(round(q / 100 * len(ordered), 9))
    return ordered[min(len(ordered), max(1, rank)) - 1]


def corrected_latencies(intended: Sequence[float], done: Sequence[float]) -> list[float]:
    """Latency of each answered request measured from when it was *due*, not from when it
    went out: the time a user who arrived on schedule waited."""
    return [d - i for i, d in zip(intended, done, strict=True)]


def summarize(latencies_s: Sequence[float]) -> dict[str, float]:
    """p50, p99, p99.9 and max in milliseconds."""
    ordered = sorted(x * 1000 for x in latencies_s)
    return {
        "p50": percentile(ordered, 50),
        "p99": percentile(ordered, 99),
        "p999": percentile(ordered, 99.9),
        "max": ordered[-1] if ordered else math.nan,
    }


@dataclass
class Outcome:
    intended: float
    started: float = math.nan  # when the timetable handed it to its task
    sent: float = math.nan
    done: float = math.nan
    http: int = 0
    status: str = ""  # the scan's status in the answer, or the failure
    scan_id: str = ""


@dataclass
class Pool:
    host: str
    port: int
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = field(default_factory=list)

    async def take(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.idle:
            return self.idle.pop()
        return await asyncio.open_connection(self.host, self.port)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    """(status code, keep-alive, body) of one HTTP/1.1 response: sized, chunked, or ended by
    closing the connection (a Django response without middleware carries no length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, code = lines[0].split(" ", 2)[:2]
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip().lower()
    keep = version == "HTTP/1.1" and headers.get("connection") != "close"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding") == "chunked":
        parts = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")  # no trailers are sent here: the closing CRLF
        body = b"".join(parts)
    else:
        body, keep = await reader.read(), False
    return int(code), keep, body


def request_bytes(host: str, token: str, body: bytes) -> bytes:
    return (
        f"POST /api/v1/scans HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def one(pool: Pool, slots: asyncio.Semaphore, request: bytes, out: Outcome) -> None:
    loop = asyncio.get_running_loop()
    async with slots:
        try:
            async with asyncio.timeout(TIMEOUT):
                reader, writer = await pool.take()
                out.sent = loop.time()
                writer.write(request)
                code, keep, body = await read_response(reader)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            out.status = "connection"
            return
        except TimeoutError:
            out.status = "timeout"
            return
        out.done = loop.time()
        out.http = code
        if keep:
            pool.idle.append((reader, writer))
        else:
            writer.close()
        if code != 200:
            out.status = f"http {code}"
            return
        try:
            out.status = str(json.loads(body)["results"][0]["status"])
        except (ValueError, KeyError, IndexError, TypeError):
            out.status = "bad answer"


async def run(config: dict[str, object]) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    rate, seconds = float(config["rate"]), float(config["seconds"])  # type: ignore[arg-type]
    carriers: list[str] = config["carriers"]  # type: ignore[assignment]
    people: list[str] = config["people"]  # type: ignore[assignment]
    token, salt = str(config["token"]), str(config["salt"])
    host = "127.0.0.1"
    pool = Pool(host, int(config["port"]))  # type: ignore[call-overload]
    slots = asyncio.Semaphore(MAX_OPEN)
    offsets = schedule(rate, seconds)
    # Every body built before the clock starts; scan i hands carrier i (in turn) to the
    # other clerk, so two scans in flight at these rates never touch the same carrier.
    requests, ids = [], []
    for i in range(len(offsets)):
        scan_id = str(uuid.UUID(salt.ljust(12, "0")[:12] + f"{i:020x}"))
        body = json.dumps(
            {
                "scans": [
                    {
                        "id": scan_id,
                        "action": "transfer",
                        "carrier": carriers[i % len(carriers)],
                        "counterpart": people[(i // len(carriers) + 1) % len(people)],
                    }
                ]
            }
        ).encode()
        requests.append(request_bytes(host, token, body))
        ids.append(scan_id)
    start = loop.time() + 0.1
    outcomes = [
        Outcome(intended=start + offset, scan_id=i) for offset, i in zip(offsets, ids, strict=True)
    ]
    tasks = []
    for request, out in zip(requests, outcomes, strict=True):
        delay = out.intended - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        out.started = loop.time()
        tasks.append(asyncio.create_task(one(pool, slots, request, out)))
    await asyncio.gather(*tasks)
    for _, writer in pool.idle:
        writer.close()

    answered = [o for o in outcomes if o.http == 200]
    failed = [o for o in outcomes if o.status not in ("recorded", "duplicate")]
    latency = summarize(
        corrected_latencies([o.intended for o in answered], [o.done for o in answered])
    )
    # Only the generator's own lateness: waiting for a connection is the server's.
    lateness = summarize([o.started - o.intended for o in outcomes])
    end = max((o.done for o in answered), default=start)
    reasons: dict[str, int] = {}
    for o in failed:
        reasons[o.status] = reasons.get(o.status, 0) + 1
    return {
        "rate": rate,
        "seconds": seconds,
        "scheduled": len(outcomes),
        "answered": len(answered),
        "achieved": len(answered) / (end - start) if end > start else 0.0,
        "errors": len(failed),
        "reasons": reasons,
        **latency,
        "generator_late_p99": lateness["p99"],
        "generator_late_max": lateness["max"],
        # Share of one core the generator used while it ran, to show it left the CPU alone.
        "generator_cpu": time.process_time() / (loop.time() - start + 0.1),
        "acknowledged": [o.scan_id for o in outcomes if o.status in ("recorded", "duplicate")],
    }


def main() -> int:
    config = json.loads(sys.stdin.read())
    # On a machine busy with other work the timetable would slip behind the scheduler's
    # queue: the generator asks for priority (it uses a few per cent of a core; the server
    # under test keeps its normal share), and goes on without it when not allowed.
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, -10)
    # A collection pause in the generator would be charged to the server's tail.
    gc.collect()
    gc.freeze()
    gc.disable()
    print(json.dumps(asyncio.run(run(config))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
