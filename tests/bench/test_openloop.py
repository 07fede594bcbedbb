"""The open-loop generator's arithmetic and its one promise: a stalled server is charged
for every scan that arrived during the stall, measured from when each was due."""

from __future__ import annotations

import asyncio
import json
import math
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from hypothesis import given
from hypothesis import strategies as st

from tests.bench.openloop import (
    corrected_latencies,
    percentile,
    read_response,
    run,
    schedule,
    summarize,
)

T = TypeVar("T")


def run_apart(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` in a thread of its own: the suite's Playwright browser keeps an event
    loop running in the main thread, where ``asyncio.run`` refuses to start another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_schedule_is_evenly_spaced_at_the_rate() -> None:
    offsets = schedule(200, 30)
    assert len(offsets) == 6000
    assert offsets[0] == 0
    assert offsets[1] == 0.005
    assert math.isclose(offsets[-1], 29.995)
    assert schedule(0, 30) == []
    assert len(schedule(3, 1.5)) == 4  # 0, 1/3, 2/3, 1: none due after the window


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 1001)]  # 1..1000
    assert percentile(values, 50) == 500
    assert percentile(values, 99) == 990
    assert percentile(values, 99.9) == 999
    assert percentile(values, 100) == 1000
    assert percentile([7.0], 99.9) == 7.0
    assert math.isnan(percentile([], 50))


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1), st.floats(0, 100))
def test_percentile_is_a_member_with_q_percent_at_or_below(values: list[float], q: float) -> None:
    ordered = sorted(values)
    p = percentile(ordered, q)
    assert p in ordered
    assert sum(v <= p for v in ordered) >= q / 100 * len(ordered)


def test_latency_is_counted_from_the_intended_time() -> None:
    # A 1-second stall at 10/s: a closed-loop client would have sent one request and
    # measured one slow answer; the nine users due during the stall waited too.
    intended = [i / 10 for i in range(20)]
    done = [max(t, 1.0) + 0.002 for t in intended]
    latencies = corrected_latencies(intended, done)
    assert [round(x, 3) for x in latencies[:11]] == [
        1.002, 0.902, 0.802, 0.702, 0.602, 0.502, 0.402, 0.302, 0.202, 0.102, 0.002
    ]  # fmt: skip
    figures = summarize(latencies)
    assert math.isclose(figures["p50"], 2.0)
    assert math.isclose(figures["max"], 1002.0)
    assert math.isclose(figures["p99"], 1002.0)


async def _stalling_server(stall_on: int, stall_s: float) -> tuple[asyncio.Server, list[float]]:
    """Answers one request at a time, as ``Connection: close`` like gunicorn's sync
    workers; the ``stall_on``-th request holds everyone behind it for ``stall_s``."""
    lock = asyncio.Lock()
    seen: list[float] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        body = json.loads(await reader.readexactly(length))
        async with lock:
            seen.append(asyncio.get_running_loop().time())
            if len(seen) == stall_on:
                await asyncio.sleep(stall_s)
            answer = json.dumps(
                {"results": [{"id": body["scans"][0]["id"], "status": "recorded"}]}
            ).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(answer)}\r\n\r\n".encode()
                + answer
            )
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, seen


def test_a_stall_is_charged_to_every_scan_due_during_it() -> None:
    async def scenario() -> tuple[dict[str, object], list[float]]:
        server, seen = await _stalling_server(stall_on=10, stall_s=0.5)
        async with server:
            port = server.sockets[0].getsockname()[1]
            result = await run(
                {
                    "port": port,
                    "rate": 100,
                    "seconds": 1.5,
                    "token": "t",
                    "carriers": ["C1", "C2"],
                    "people": ["P1", "P2"],
                    "salt": uuid.uuid4().hex[:12],
                }
            )
        return result, seen

    result, seen = run_apart(scenario())
    assert len(seen) == 150
    assert result["scheduled"] == 150
    assert result["answered"] == 150
    assert result["errors"] == 0
    assert len(result["acknowledged"]) == 150  # type: ignore[arg-type]
    # About 50 scans were due during the half-second stall; each waited the rest of it.
    # A generator that waited for answers would have sent them late and timed them short.
    assert float(result["max"]) >= 450  # type: ignore[arg-type]
    assert float(result["p99"]) >= 400  # type: ignore[arg-type]
    assert float(result["p50"]) < float(result["p99"]) / 2  # type: ignore[arg-type]
    # The timetable did not wait on the stalled answers: every scan was written on time.
    assert float(result["generator_late_p99"]) < 200  # type: ignore[arg-type]


def _parse(raw: bytes) -> tuple[int, bool, bytes]:
    async def go() -> tuple[int, bool, bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(raw)
        reader.feed_eof()
        return await read_response(reader)

    return run_apart(go())


def test_responses_are_read_sized_chunked_or_to_the_end() -> None:
    assert _parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}extra") == (200, True, b"{}")
    assert _parse(b"HTTP/1.1 401 X\r\nConnection: close\r\nContent-Length: 0\r\n\r\n") == (
        401,
        False,
        b"",
    )
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    assert _parse(chunked) == (200, True, b"abcde")
    assert _parse(b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{"a": 1}') == (
        200,
        False,
        b'{"a": 1}',
    )
