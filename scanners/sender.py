"""Deliver the spool to ``POST /api/v1/scans``, in order, exactly once.

Exactly once is the server's idempotency plus this loop:

1. take the oldest waiting scans (at most ``batch_size`` ≤ 1000, CONTRACT.md);
2. POST them as one batch, their JSON bodies sent byte for byte as spooled;
3. on a 200, write every per-scan answer in one transaction: ``recorded`` and
   ``duplicate`` are delivered, ``rejected`` is kept as refused with its error;
4. on a connection error, a timeout or a 5xx, mark nothing and send the same batch again
   after a backoff — whatever the server had already recorded comes back ``duplicate``;
5. on a 400/413/422 (the body as a whole refused), split the batch in halves and send
   them in order, down to the single scan, which is then kept as refused: one scan the
   server cannot parse never blocks the ones behind it, and is never dropped.

A crash anywhere between 2 and 3 leaves the batch waiting; the next sync resends it.
Only one sender runs per spool (an ``flock``, released by the kernel even on SIGKILL), so
two senders never race each other with the same scans.
"""

from __future__ import annotations

import fcntl
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from scanners.spool import Outcome, Pending, Spool

SCANS_PATH = "/api/v1/scans"


class SenderError(Exception):
    """Delivery cannot go on now."""


class Unreachable(SenderError):
    """The server could not be reached (or kept failing) until the deadline."""


class AuthRefused(SenderError):
    """401/403/404 for the request as a whole: retrying will not help until the
    configuration (token, server URL, device location) is fixed."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


class Busy(SenderError):
    """Another sender holds this spool's lock."""


@dataclass(slots=True)
class SyncReport:
    recorded: int = 0
    duplicate: int = 0
    refused: int = 0
    batches: int = 0
    retries: int = 0
    total: int = 0  # waiting when the sync began
    started: float = field(default_factory=time.monotonic)
    refusals: list[Outcome] = field(default_factory=list)

    @property
    def done(self) -> int:
        return self.recorded + self.duplicate + self.refused

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter, so desks that lost the server together do not
    all come back in the same second."""

    base: float = 0.25
    factor: float = 2.0
    cap: float = 15.0

    def delay(self, attempt: int) -> float:
        raw = min(self.cap, self.base * self.factor ** min(attempt, 30))
        return raw * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not security


class SpoolLock:
    """An exclusive, non-blocking ``flock`` beside the spool file."""

    def __init__(self, spool_path: Path) -> None:
        self._path = Path(str(spool_path) + ".send.lock")
        self._fh: IO[bytes] | None = None

    def acquire(self, wait: float = 0.0) -> None:
        deadline = time.monotonic() + wait
        fh = self._path.open("ab")
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.close()
                    raise Busy(str(self._path)) from None
                time.sleep(0.05)
            else:
                self._fh = fh
                return

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def _error_detail(response: httpx.Response) -> tuple[str, str]:
    """CONTRACT.md's ``{"error": {"code", "message"}}``, or something readable."""
    try:
        err = response.json().get("error") or {}
        return str(err.get("code") or response.status_code), str(err.get("message") or "")
    except (ValueError, AttributeError):
        return str(response.status_code), response.text[:200]


def _receipt(item: dict[str, Any]) -> tuple[int | None, str | None]:
    """The result's ``seq`` and ``hash``; from its ``event`` on a server that predates them."""
    event = item.get("event")
    if not isinstance(event, dict):
        event = {}
    seq, digest = item.get("seq", event.get("seq")), item.get("hash", event.get("hash"))
    if isinstance(seq, int) and isinstance(digest, str):
        return seq, digest
    return None, None


class Sender:
    def __init__(
        self,
        spool: Spool,
        *,
        server: str,
        token: str,
        batch_size: int = 1000,
        client: httpx.Client | None = None,
        backoff: Backoff | None = None,
        timeout: float = 60.0,
        sleep: Callable[[float], bool] | None = None,
        progress: Callable[[SyncReport], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.spool = spool
        self.url = server.rstrip("/") + SCANS_PATH
        self.batch_size = max(1, min(batch_size, 1000))
        self.backoff = backoff or Backoff()
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=5.0),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        self._owns_client = client is None
        self._stop = stop or threading.Event()
        # ``sleep`` returns True when woken early by stop(); the default waits on the event.
        self._sleep = sleep or self._stop.wait
        self._progress = progress

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def stop(self) -> None:
        self._stop.set()

    def drain(self, *, retry_for: float | None = 10.0) -> SyncReport:
        """Send until nothing waits. ``retry_for``: give up (``Unreachable``) after that
        many seconds without progress; ``None`` retries until :meth:`stop`."""
        report = SyncReport(total=self.spool.counts()["waiting"])
        failures = 0
        last_progress = time.monotonic()
        while not self._stop.is_set():
            batch = self.spool.waiting(self.batch_size)
            if not batch:
                return report
            try:
                self._deliver(batch, report)
            except Unreachable as exc:
                failures += 1
                report.retries += 1
                if retry_for is not None and time.monotonic() - last_progress >= retry_for:
                    raise Unreachable(str(exc)) from None
                delay = self.backoff.delay(failures - 1)
                if retry_for is not None:
                    delay = min(delay, max(0.0, last_progress + retry_for - time.monotonic()))
                if self._sleep(delay):
                    break
                continue
            failures = 0
            last_progress = time.monotonic()
            report.batches += 1
            if self._progress:
                self._progress(report)
        return report

    def _post(self, batch: list[Pending]) -> httpx.Response:
        # The spooled bytes go out unchanged: no re-serialising, so what was written at the
        # desk is exactly what the server judges.
        body = ('{"scans":[' + ",".join(p.body for p in batch) + "]}").encode()
        try:
            response = self._client.post(self.url, content=body)
        except httpx.TransportError as exc:  # refused, reset, timeout, DNS …
            raise Unreachable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise Unreachable(f"HTTP {response.status_code}")
        if response.status_code in (401, 403, 404, 405):
            code, message = _error_detail(response)
            raise AuthRefused(response.status_code, f"{code} {message}".strip())
        return response

    def _deliver(self, batch: list[Pending], report: SyncReport) -> None:
        response = self._post(batch)
        if response.status_code == 200:
            self._apply(batch, response, report)
            return
        if response.status_code in (400, 413, 422):
            if len(batch) > 1:
                half = len(batch) // 2
                self._deliver(batch[:half], report)
                self._deliver(batch[half:], report)
                return
            code, message = _error_detail(response)
            outcome = Outcome(batch[0].id, "rejected", code, message)
            self.spool.record([outcome])
            report.refused += 1
            report.refusals.append(outcome)
            return
        raise Unreachable(f"unexpected HTTP {response.status_code}")

    def _apply(self, batch: list[Pending], response: httpx.Response, report: SyncReport) -> None:
        try:
            results: list[dict[str, Any]] = response.json()["results"]
        except (ValueError, KeyError, TypeError):
            # A 200 we cannot read (a proxy's page?) proves nothing: resend later.
            raise Unreachable("unreadable answer from the server") from None
        wanted = {p.id for p in batch}
        outcomes: list[Outcome] = []
        for item in results:
            if not isinstance(item, dict) or item.get("id") not in wanted:
                continue
            status = item.get("status")
            if status not in ("recorded", "duplicate", "rejected"):
                continue  # unknown: leave it waiting rather than guess
            err = item.get("error") or {}
            seq, digest = _receipt(item)
            outcomes.append(
                Outcome(
                    id=str(item["id"]),
                    status=str(status),
                    error_code=err.get("code") if isinstance(err, dict) else None,
                    error_message=err.get("message") if isinstance(err, dict) else None,
                    seq=seq,
                    hash=digest,
                )
            )
        self.spool.record(outcomes)
        for o in outcomes:
            if o.status == "recorded":
                report.recorded += 1
            elif o.status == "duplicate":
                report.duplicate += 1
            else:
                report.refused += 1
                report.refusals.append(o)
        if len(outcomes) < len(batch):
            # Some scans got no usable answer: they stay waiting; pause so a confused
            # server is not hammered, then resend them (they come back duplicate if needed).
            raise Unreachable("the server's answer left some scans without a result")
