"""labels/barcode.py: every symbol says exactly its text, python-barcode's 99 bug included."""

from __future__ import annotations

import barcode as python_barcode
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from labels import LabelSpec, raster
from labels.barcode import BarcodeError, decode_modules, encode
from labels.layout import compose
from tests.labels.scan import decode

# Pieces that make digit-heavy codes: runs of 9s (so "99" pairs land after a Start C, in
# the middle of set C, and at odd offsets), other digits, and the odd letter or hyphen.
_PIECES = st.sampled_from(["99", "9", "999", "0", "1", "12", "5", "0099", "A", "-", "X9"])
DIGIT_HEAVY = (
    st.lists(_PIECES, min_size=1, max_size=10).map("".join).filter(lambda s: 1 <= len(s) <= 24)
)


def test_python_barcode_0_16_1_still_drops_a_99_after_start_c() -> None:
    # The bug this module guards against; if an upgrade fixes it, this test says so.
    modules = python_barcode.get("code128", "9912").build()[0]
    assert decode_modules(modules) == "12"


@pytest.mark.parametrize("text", ["9912", "99999999", "99", "990", "9999A", "99-1"])
def test_it_encodes_codes_that_begin_with_99_faithfully(text: str) -> None:
    symbol = encode(text)
    assert decode_modules(symbol.modules) == text
    assert symbol.encoder == "fallback"


@pytest.mark.parametrize("text", ["CXZ-00000001M", "C9912345", "P-ADMIN1U", "123456789"])
def test_it_keeps_python_barcodes_pattern_when_it_is_right(text: str) -> None:
    symbol = encode(text)
    assert symbol.encoder == "python-barcode"
    assert symbol.modules == python_barcode.get("code128", text).build()[0]


@given(
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=48)
)
@settings(max_examples=300)
def test_every_encoded_symbol_decodes_back_to_its_text(text: str) -> None:
    assert decode_modules(encode(text).modules) == text


@given(DIGIT_HEAVY)
@example("9912")
@example("99999999")
@example("0099-99")
@settings(max_examples=150, deadline=None)
def test_digit_heavy_serials_with_99_runs_scan_as_printed(text: str) -> None:
    spec = LabelSpec(code=text, marking="秘密★5年", serial=True)
    for dpi in (203, 300):
        label = compose(spec, 60.0, 40.0, dpi)
        assert decode(raster.image(label)) == [text], (text, dpi)


def test_a_corrupted_pattern_is_refused_not_misread() -> None:
    modules = encode("CXZ-00000001M").modules
    flipped = modules[:30] + ("0" if modules[30] == "1" else "1") + modules[31:]
    with pytest.raises(BarcodeError):
        decode_modules(flipped)


def test_a_wrong_check_character_in_the_symbol_is_refused() -> None:
    from barcode.charsets import code128

    modules = encode("AB").modules
    # start B, 'A', 'B', check, stop: replace the check character by another value.
    check_at = 33
    wrong = code128.CODES[(code128.CODES.index(modules[check_at : check_at + 11]) + 1) % 103]
    with pytest.raises(BarcodeError, match="Check character"):
        decode_modules(modules[:check_at] + wrong + modules[check_at + 11 :])


@pytest.mark.parametrize("text", ["", "机密", "tab\there", "x" * 49])
def test_it_refuses_text_code_128_cannot_carry(text: str) -> None:
    with pytest.raises(BarcodeError):
        encode(text)


def test_bars_are_the_dark_runs_of_the_module_pattern() -> None:
    symbol = encode("C1")
    rebuilt = ["0"] * symbol.width
    for start, run in symbol.bars:
        rebuilt[start : start + run] = ["1"] * run
    assert "".join(rebuilt) == symbol.modules
