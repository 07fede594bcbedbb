"""Fixed-window counters for the rate limits, shared by every web process through Redis.

A limit counted in each process's memory is the configured one times the number of web
workers, and a stolen token spread over them pages through the register that much faster:
with ``REDIS_URL`` (or ``CUSTOS_RATE_REDIS_URL``) set, every process counts in one place.

Redis is a convenience here, never a dependency of the ledger: a desk's scans must be
accepted while Redis is down. So a failed or slow Redis call (timeouts of a fraction of a
second) opens a short breaker during which this process counts on its own, in memory —
the limit still holds per process, nothing waits on a dead socket, and Redis is tried
again when the breaker closes. Without a Redis URL (the embedded default) the in-memory
count is all there is.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import redis

log = logging.getLogger(__name__)

# How long a process counts on its own after Redis failed before it tries Redis again.
BREAKER_SECONDS = 5.0
# Loopback or a LAN: a healthy Redis answers in well under a millisecond.
TIMEOUT_SECONDS = 0.25


@dataclass
class LocalCounts:
    """This process's own windows; old windows are dropped as new ones open."""

    counts: dict[str, int] = field(default_factory=dict)
    expiry: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hit(self, key: str, period: int, now: float) -> int:
        with self.lock:
            if len(self.counts) > 10_000:  # a flood of distinct callers: drop what expired
                for old in [k for k, t in self.expiry.items() if t <= now]:
                    del self.counts[old], self.expiry[old]
            count = self.counts.get(key, 0) + 1
            self.counts[key] = count
            self.expiry.setdefault(key, now + period + 1)
            return count

    def clear(self) -> None:
        with self.lock:
            self.counts.clear()
            self.expiry.clear()


class Counters:
    """``hit(key, period)`` → how many hits ``key`` has had in its window, this one included."""

    def __init__(self, url: str | None) -> None:
        self.url = url or None
        self.local = LocalCounts()
        self._client: redis.Redis | None = None
        self._broken_until = 0.0

    @property
    def shared(self) -> bool:
        """True while hits are counted in Redis, False while this process counts alone."""
        return self.url is not None and time.monotonic() >= self._broken_until

    def hit(self, key: str, period: int) -> int:
        now = time.time()
        if self.shared:
            try:
                return self._hit_redis(key, period)
            except redis.RedisError:
                self._broken_until = time.monotonic() + BREAKER_SECONDS
                log.warning(
                    "rate-limit Redis unavailable; counting in this process for %.0f s",
                    BREAKER_SECONDS,
                    exc_info=True,
                )
        return self.local.hit(key, period, now)

    def _hit_redis(self, key: str, period: int) -> int:
        if self._client is None:
            self._client = redis.Redis.from_url(
                str(self.url),
                socket_connect_timeout=TIMEOUT_SECONDS,
                socket_timeout=TIMEOUT_SECONDS,
            )
        # One round trip: INCR and setting the expiry travel together, and the expiry is
        # only set on the window's first hit so the window does not slide.
        pipe = self._client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, period + 1, nx=True)
        count, _ = pipe.execute()
        return int(count)

    def clear(self, pattern: str) -> None:
        """Forget every window whose key matches ``pattern`` (tests, and an operator's reset)."""
        self.local.clear()
        if self.url is not None:
            client = redis.Redis.from_url(self.url, socket_connect_timeout=TIMEOUT_SECONDS)
            for key in client.scan_iter(match=pattern, count=1000):
                client.delete(key)


_counters: Counters | None = None
_counters_url: str | None = None


def counters(url: str | None) -> Counters:
    """The process's counters for ``url``; a new set when the configured URL changes."""
    global _counters, _counters_url
    if _counters is None or url != _counters_url:
        _counters, _counters_url = Counters(url), url
    return _counters
