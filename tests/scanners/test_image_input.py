"""Images: label PNGs from labels/ and photographed-like variants decode to the right code."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from labels.codes import ALPHABET, Kind, check_character, generate
from scanners.image_input import decode_image
from scanners.reader import ReadError
from tests.scanners.conftest import cli_env, run_cli
from tests.scanners.images import (
    barcode_png,
    blurred,
    cluttered,
    jpeg,
    label_png,
    rotated,
    scaled,
)

Variant = Callable[[Image.Image], Image.Image]

# Labels are 50 mm wide; at 300 dpi a bar module is ~3 px. A phone photo of a label
# held over it has at least ~2 px per module; blur is given as a Gaussian sigma in px.
# Measured limit (reported, not tested): sigma above ~0.4 module width does not decode.
VARIANTS: dict[str, Variant] = {
    "as printed": lambda im: im,
    "0.6x (about 1.8 px per module)": lambda im: scaled(im, 0.6),
    "enlarged": lambda im: scaled(im, 1.8),
    "quarter turn": lambda im: rotated(im, 90),
    "upside down": lambda im: rotated(im, 180),
    "tilted 7°": lambda im: rotated(im, 7),
    "tilted -15°": lambda im: rotated(im, -15),
    "tilted 37°": lambda im: rotated(im, 37),
    "tilted -50°": lambda im: rotated(im, -50),
    "soft focus": lambda im: blurred(im, 1.0),
    "smaller and soft": lambda im: blurred(scaled(im, 0.8), 0.6),
    "jpeg q30": lambda im: jpeg(im, 30),
    "on a cluttered desk": lambda im: cluttered(im, seed=1),
    "tilted on a cluttered desk": lambda im: cluttered(rotated(im, 23), seed=2),
    "phone photo": lambda im: jpeg(
        cluttered(blurred(rotated(scaled(im, 0.9), -8), 0.6), seed=3), 50
    ),
    "phone photo, steep": lambda im: jpeg(cluttered(blurred(rotated(im, 40), 0.6), seed=4), 60),
}


def fixed_code(kind: Kind, seed: int) -> str:
    """A code like generate()'s, but the same on every run, so a failure reproduces."""
    rng = random.Random(seed)
    head = f"{kind.value}XZ-" + "".join(rng.choice(ALPHABET) for _ in range(8))
    return head + check_character(head)


def only_code(found: list) -> str:
    assert len(found) == 1, found
    assert not isinstance(found[0], ReadError), found[0]
    return found[0].text


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
@pytest.mark.parametrize("kind", [Kind.CARRIER, Kind.PERSON, Kind.LOCATION])
def test_a_label_photographed_like_this_decodes_to_its_code(variant: str, kind: Kind) -> None:
    code = fixed_code(kind, seed=sorted(VARIANTS).index(variant))
    image = VARIANTS[variant](label_png(code) if kind is Kind.CARRIER else barcode_png(code))
    assert only_code(decode_image(image)) == code


def test_labels_rendered_at_every_printer_dpi_decode() -> None:
    codes = [fixed_code(Kind.CARRIER, seed) for seed in range(10)]
    for dpi in (203, 300, 600):
        for code in codes:
            assert only_code(decode_image(label_png(code, dpi=dpi))) == code


def test_a_barcode_holding_a_misread_code_is_refused_not_returned() -> None:
    (found,) = decode_image(barcode_png("CXZ-00000001X"))
    assert isinstance(found, ReadError) and found.reason == "bad_check_character"


def test_an_image_without_a_barcode_yields_nothing() -> None:
    assert decode_image(Image.new("L", (400, 300), 255)) == []


def test_the_decode_command_prints_each_code(tmp_path: Path) -> None:
    code = generate(Kind.CARRIER, prefix="XZ")
    good, blank = tmp_path / "label.png", tmp_path / "blank.png"
    VARIANTS["phone photo"](label_png(code)).save(good)
    Image.new("L", (200, 100), 255).save(blank)
    env = cli_env(tmp_path / "spool.sqlite3")
    ok = run_cli("decode", str(good), env=env)
    assert (ok.returncode, ok.stdout.strip()) == (0, code)
    none = run_cli("decode", str(blank), env=env)
    assert none.returncode == 2 and "No barcode found" in none.stderr
