"""Serial and USB-CDC scanners (pyserial): bytes off the line, one raw read per code.

A serial line delivers bytes in whatever chunks the UART and the OS hand over: a code may
arrive in two halves, several codes in one chunk, and a freshly plugged or noisy line
adds garbage. :class:`LineAssembler` keeps a half line until its terminator (CR, LF or
both) arrives; a scanner configured with no terminator at all is served by the idle
flush (a fragment with no new byte for ``idle_flush`` seconds is a whole read). Cleaning
and checking the read is :mod:`scanners.reader`'s job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import serial

from labels.codes import Code
from scanners.reader import Cleaner, Debouncer, ReadError

_TERMINATORS = b"\r\n"


class LineAssembler:
    def __init__(
        self,
        *,
        idle_flush: float | None = 0.5,
        max_line: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idle_flush = idle_flush
        self.max_line = max_line
        self._clock = clock
        self._buf = bytearray()
        self._last_byte = clock()

    def feed(self, data: bytes) -> list[bytes]:
        """Complete lines found so far; a trailing half line is kept for later."""
        if data:
            self._last_byte = self._clock()
        self._buf += data
        lines: list[bytes] = []
        start = 0
        for i, byte in enumerate(self._buf):
            if byte in _TERMINATORS:
                if i > start:  # CRLF and blank lines yield nothing
                    lines.append(bytes(self._buf[start:i]))
                start = i + 1
        del self._buf[:start]
        if len(self._buf) > self.max_line:
            # A line this long is noise with no terminator (wrong baud rate?): keep only the
            # tail, which is where the next real code would be arriving.
            del self._buf[: len(self._buf) - self.max_line]
        return lines

    def flush_if_idle(self) -> list[bytes]:
        if (
            self._buf
            and self.idle_flush is not None
            and self._clock() - self._last_byte >= self.idle_flush
        ):
            line = bytes(self._buf)
            self._buf.clear()
            return [line]
        return []


def open_port(port: str, baud: int = 9600) -> serial.Serial:
    """A device path (``/dev/ttyACM0``, ``COM3``) or a pyserial URL (``loop://``)."""
    return serial.serial_for_url(port, baudrate=baud, timeout=0.05)


def raw_lines(
    port: serial.Serial,
    *,
    stop: threading.Event | None = None,
    assembler: LineAssembler | None = None,
) -> Iterator[bytes]:
    """Raw reads from an open port until ``stop`` is set or the port fails."""
    assembler = assembler or LineAssembler()
    while stop is None or not stop.is_set():
        chunk = port.read(port.in_waiting or 1)
        yield from assembler.feed(chunk)
        if not chunk:
            yield from assembler.flush_if_idle()


def scanned_codes(
    lines: Iterator[bytes],
    *,
    cleaner: Cleaner | None = None,
    debouncer: Debouncer | None = None,
) -> Iterator[Code | ReadError]:
    """Each read as a checked code or the reason it was refused; repeats within the
    debounce window are skipped."""
    cleaner = cleaner or Cleaner()
    for line in lines:
        try:
            code = cleaner.clean(line)
        except ReadError as exc:
            if exc.reason == "empty":
                continue  # pure noise between reads: nothing to tell the clerk
            yield exc
            continue
        if debouncer is not None and debouncer.is_repeat(code.text):
            continue
        yield code


def serial_reads(
    port_name: str,
    baud: int,
    *,
    stop: threading.Event,
    on_error: Callable[[Exception], None],
    retry_after: float = 2.0,
) -> Iterator[bytes]:
    """Raw reads from a named port, reopening it after an unplug or a read error."""
    while not stop.is_set():
        try:
            with open_port(port_name, baud) as port:
                yield from raw_lines(port, stop=stop)
        except (serial.SerialException, OSError) as exc:
            on_error(exc)
            stop.wait(retry_after)
