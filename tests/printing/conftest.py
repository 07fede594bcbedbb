"""A fake raw-9100 label printer on loopback, and the unit's printers pointed at it."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest


class FakeRawPrinter:
    """Accepts raw print connections on 127.0.0.1 and keeps each connection's bytes.

    What a JetDirect port does: read until the sender closes its side, print, answer
    nothing. ``jobs`` holds one bytes object per connection, in arrival order.
    """

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.jobs: list[bytes] = []
        self.dead_port = 0  # a loopback port nobody listens on (set by the fixture)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
            with self._arrived:
                self.jobs.append(b"".join(chunks))
                self._arrived.notify_all()

    def wait_for(self, n: int, timeout: float = 10.0) -> list[bytes]:
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.jobs) >= n, timeout)
            return list(self.jobs)

    def close(self) -> None:
        self._stop = True
        # shutdown() wakes a thread blocked in accept(); close() alone does not on Linux.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(timeout=5)


@pytest.fixture
def raw_printer() -> Iterator[FakeRawPrinter]:
    printer = FakeRawPrinter()
    yield printer
    printer.close()


@pytest.fixture
def printers(settings: Any, raw_printer: FakeRawPrinter) -> FakeRawPrinter:
    """``zebra`` is the fake printer; ``dead`` is a port nobody listens on."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        dead_port = probe.getsockname()[1]  # closed again: connecting is refused
    raw_printer.dead_port = dead_port
    settings.CUSTOS_PRINTERS = [
        f"zebra=raw://127.0.0.1:{raw_printer.port}?dpi=203&size=50x30",
        f"dead=raw://127.0.0.1:{dead_port}?dpi=203",
    ]
    settings.CUSTOS_UNIT_NAME = "某某市保密局机要室"
    return raw_printer
