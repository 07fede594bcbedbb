"""labels/zpl.py and labels/printer.py: the ZPL job prints the very pixels of the PNG, and a
printer on port 9100 receives it byte for byte, once per copy."""

from __future__ import annotations

import io
import socket
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

import labels
from labels import LabelSpec, zpl
from labels.printer import send_raw
from tests.labels.scan import decode

SPEC = LabelSpec(
    code="CXZ-00000001M", marking="机密★10年", copy_no=1, copies_total=2, unit="机要室"
)
BADGE = LabelSpec(code="P-ADMIN1U", kind="badge", person="张三", unit="保密局")


@pytest.mark.parametrize("dpi", [203, 300, 600])
@pytest.mark.parametrize(("spec", "size"), [(SPEC, "50x30"), (SPEC, "60x40"), (BADGE, None)])
def test_the_graphic_field_is_the_png_dot_for_dot_and_scans(
    spec: LabelSpec, size: str | None, dpi: int
) -> None:
    job = labels.render(spec, "zpl", dpi=dpi, size=size)
    printed = zpl.to_image(job)
    png = Image.open(io.BytesIO(labels.render(spec, "png", dpi=dpi, size=size)))
    assert printed.size == png.size
    assert printed.tobytes() == png.convert("1").tobytes()
    assert decode(printed) == [spec.code]


def test_a_job_is_one_ascii_label_sized_to_the_printer() -> None:
    job = labels.render(SPEC, "zpl", dpi=203, size="50x30")
    text = job.decode("ascii")
    assert text.startswith("^XA") and text.rstrip().endswith("^XZ")
    assert "^PW400" in text and "^LL240" in text  # 50×30 mm at 8 dots/mm
    assert text.count("^GFA") == 1
    assert len(job) < 6000  # compressed: the raw field is 12,000 bytes as hex twice that


@given(st.integers(min_value=1, max_value=1200), st.sampled_from("0123456789ABCDEF"))
def test_repeat_counts_round_trip(count: int, char: str) -> None:
    row_bytes = 600
    row = (char * count).ljust(row_bytes * 2, "0")
    body = zpl._compress(bytes.fromhex(row), row_bytes)
    job = f"^XA^PW{row_bytes * 8}^FO0,0^GFA,{row_bytes},{row_bytes},{row_bytes},{body}^FS^XZ"
    image = zpl.to_image(job.encode())
    assert image.tobytes() == bytes.fromhex(row).translate(zpl._INVERT)


def test_pad_bits_beyond_the_last_dot_are_not_burnt() -> None:
    job = labels.render(SPEC, "zpl", dpi=300, size="50x30")  # 591 dots: 7 pad bits a row
    _, field = job.split(b"^GFA,", 1)
    total, _, row_bytes, _ = field.split(b",", 3)
    image = zpl.to_image(job)
    assert image.width == 591 and int(row_bytes) == 74
    assert int(total) == 74 * image.height


class FakePrinter:
    """A raw 9100-style printer on loopback that keeps every byte it receives."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.received = bytearray()
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.server.settimeout(10)
        conn, _ = self.server.accept()
        self.connections += 1
        with conn:
            while chunk := conn.recv(65536):
                self.received.extend(chunk)

    def close(self) -> None:
        self.thread.join(timeout=10)
        self.server.close()


def test_a_raw_printer_receives_exactly_the_job_once_per_copy() -> None:
    job = labels.render(SPEC, "zpl", dpi=203)
    printer = FakePrinter()
    sent = send_raw(job, "127.0.0.1", printer.port, copies=3)
    printer.close()
    assert sent == 3 * len(job)
    assert bytes(printer.received) == job * 3
    assert printer.connections == 1
    assert printer.received.count(b"^XA") == 3


def test_sending_to_a_closed_port_fails_loudly() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(OSError):
        send_raw(b"^XA^XZ", "127.0.0.1", port, timeout=2)
