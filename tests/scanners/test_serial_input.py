"""A serial scanner simulated on a pseudo-terminal, read through pyserial."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest

from scanners.reader import Cleaner, Debouncer, ReadError
from scanners.serial_input import LineAssembler, open_port, raw_lines, scanned_codes


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    name = os.ttyname(slave)
    yield master, name
    os.close(master)
    os.close(slave)


def test_codes_arrive_through_framing_garbage_and_half_lines(pty: tuple[int, str]) -> None:
    master, name = pty
    now = [0.0]
    port = open_port(name, 9600)
    stop = threading.Event()
    got: list[object] = []

    def read() -> None:
        lines = raw_lines(port, stop=stop, assembler=LineAssembler(idle_flush=None))
        cleaner = Cleaner(prefix="\x02", suffix="\x03")
        for item in scanned_codes(
            lines, cleaner=cleaner, debouncer=Debouncer(2.0, clock=lambda: now[0])
        ):
            got.append(item)
            if len(got) == 6:
                stop.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    chunks = [
        b"\x00\xff\xfe",  # line noise as the scanner powers up
        b"\x02]C0CXZ-00000001M\x03\r\n",  # prefix, AIM id, code, suffix, CRLF
        b"\x02]C0P-ADM",  # a half line …
        b"IN1U\x03\r",  # … and the rest of it, CR only
        b"\x02]C0CXZ-00000001X\x03\n",  # a misread: wrong check character
        b"\x02]C0CXZ-00000001M\x03\n",  # the same carrier again at once: counted once
        b"\xff\x02]Q1L-SAFE-AF\x03\n\x02]C0CT-13S6IZXGZ\x03\n",  # two reads in one chunk
        b"\x02]C0P-ADMIN1U\x03\n",
    ]
    for chunk in chunks:
        os.write(master, chunk)
        time.sleep(0.05)
    now[0] += 5.0  # past the window: the badge counts again
    os.write(master, b"\x02]C0P-ADMIN1U\x03\n")
    reader.join(timeout=10)
    port.close()
    assert not reader.is_alive()
    texts = [g.text if not isinstance(g, ReadError) else f"refused:{g.reason}" for g in got]
    assert texts == [
        "CXZ-00000001M",
        "P-ADMIN1U",
        "refused:bad_check_character",
        "L-SAFE-AF",
        "CT-13S6IZXGZ",
        "P-ADMIN1U",
    ]


def test_a_scanner_without_a_terminator_is_served_by_the_idle_flush() -> None:
    now = [0.0]
    assembler = LineAssembler(idle_flush=0.3, clock=lambda: now[0])
    assert assembler.feed(b"CXZ-0000") == []
    now[0] += 0.1
    assert assembler.feed(b"0001M") == []
    assert assembler.flush_if_idle() == []  # bytes arrived 0 s ago
    now[0] += 0.5
    assert assembler.flush_if_idle() == [b"CXZ-00000001M"]


def test_endless_noise_without_a_terminator_is_capped() -> None:
    assembler = LineAssembler(idle_flush=None, max_line=64)
    assembler.feed(b"\xff" * 10_000)
    assert assembler.feed(b"\r]C0CXZ-00000001M\r") == [b"\xff" * 64, b"]C0CXZ-00000001M"]
