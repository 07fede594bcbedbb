"""Codes from 2D symbols: DataMatrix labels photographed or scanned, serial 2D imagers that
add AIM identifiers (]d1, ]d2, ]Q1) and GS1 element strings with FNC1 separators."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from PIL import Image

import labels
from labels.codes import Kind
from scanners.image_input import decode_image
from scanners.reader import Cleaner, ReadError, gs1_code
from scanners.serial_input import LineAssembler, open_port, raw_lines, scanned_codes
from tests.scanners.images import blurred, cluttered, jpeg, rotated, scaled
from tests.scanners.test_image_input import fixed_code

CODE = fixed_code(Kind.CARRIER, 15)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (CODE, CODE),
        (f"]d1{CODE}", CODE),  # DataMatrix, plain
        (f"]d291{CODE}", CODE),  # DataMatrix with FNC1 first: GS1, company-internal AI 91
        (f"]d2\x1d8004{CODE}\x1d", CODE),  # GIAI, FNC1 sent as GS at both ends
        (f"]Q310ABC123\x1d91{CODE}", CODE),  # GS1 QR, the code in the second element
        (f"]C121{CODE}\r\n", CODE),  # GS1-128, serial-number AI
        (f"(91){CODE}", CODE),  # a reader that sends the human-readable form
        (f"(10)LOT7(8004){CODE}", CODE),
        (f"]Q1{CODE.lower()}", CODE),
        (f"\x02]d2\x1d92{CODE}\x03", CODE),
    ],
)
def test_a_code_comes_out_of_every_2d_framing(raw: str, expected: str) -> None:
    assert Cleaner(prefix="\x02", suffix="\x03").clean(raw).text == expected


@pytest.mark.parametrize(
    "raw",
    [
        f"]d210{CODE}",  # a batch number is not a code: no guessing from other AIs
        f"]d291{CODE[:-1]}{'A' if CODE[-1] != 'A' else 'B'}",  # wrong check character
        "]d2\x1d9112345",
    ],
)
def test_a_gs1_read_without_a_valid_code_in_a_code_ai_is_refused(raw: str) -> None:
    with pytest.raises(ReadError):
        Cleaner().clean(raw)


def test_gs1_code_takes_only_whole_elements_of_the_code_ais() -> None:
    assert gs1_code(f"91{CODE}") == CODE
    assert gs1_code(f"10{CODE}") is None
    assert gs1_code(f"10X\x1d21{CODE}") == CODE
    assert gs1_code(CODE) is None  # not an element string at all


def _label(size: str, dpi: int) -> Image.Image:
    spec = labels.LabelSpec(code=CODE, marking="机密★10年", copy_no=1, copies_total=3)
    return Image.open(io.BytesIO(labels.render(spec, "png", dpi=dpi, size=size))).convert("L")


@pytest.mark.parametrize("size", labels.SMALL_SIZES)
@pytest.mark.parametrize(
    "variant",
    [
        lambda im: im,
        lambda im: rotated(im, 33),
        lambda im: jpeg(cluttered(blurred(rotated(scaled(im, 1.6), -12), 0.8), seed=5), 55),
        lambda im: jpeg(cluttered(blurred(rotated(scaled(im, 2.0), 145), 0.6), seed=6), 45),
    ],
    ids=["as printed", "tilted 33°", "phone photo", "phone photo upside down"],
)
def test_a_photo_of_a_small_label_gives_its_code(
    size: str, variant: Callable[[Image.Image], Image.Image]
) -> None:
    found = decode_image(variant(_label(size, 203)))
    assert [f.text for f in found if not isinstance(f, ReadError)] == [CODE]


def test_a_50x30_label_with_both_symbols_gives_one_code() -> None:
    spec = labels.LabelSpec(code=CODE, marking="机密★10年")
    png = labels.render(spec, "png", dpi=300, size="50x30", matrix=True)
    found = decode_image(Image.open(io.BytesIO(png)))
    assert [f.text for f in found] == [CODE]  # two symbols, one code, counted once


@pytest.fixture
def pty() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def test_a_serial_2d_imager_in_gs1_mode_delivers_checked_codes(pty: tuple[int, str]) -> None:
    master, name = pty
    port = open_port(name, 9600)
    stop = threading.Event()
    got: list[object] = []

    def read() -> None:
        lines = raw_lines(port, stop=stop, assembler=LineAssembler(idle_flush=None))
        for item in scanned_codes(lines, cleaner=Cleaner()):
            got.append(item)
            if len(got) == 3:
                stop.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    other = fixed_code(Kind.CARRIER, 16)
    misread = other[:-1] + ("1" if other[-1] != "1" else "2")
    for chunk in (
        f"]d2\x1d91{CODE}\x1d\r\n".encode(),
        f"]d2\x1d91{misread[:4]}".encode(),  # half a read …
        f"{misread[4:]}\r\n".encode(),  # … ending in a misread check character
        f"]d1{other}\r\n".encode(),
    ):
        os.write(master, chunk)
        time.sleep(0.05)
    reader.join(timeout=10)
    port.close()
    assert not reader.is_alive()
    texts = [g.text if not isinstance(g, ReadError) else f"refused:{g.reason}" for g in got]
    assert texts == [CODE, "refused:bad_check_character", other]
