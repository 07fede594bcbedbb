"""The barcode's module width: the widest whole number of printer dots that fits."""

from __future__ import annotations

import pytest

from labels import LabelSpec
from labels.codes import check_character
from labels.layout import MM_PER_INCH, compose


def _dots(code: str, width: float, height: float, dpi: int) -> int:
    spec = LabelSpec(code=code, marking="机密★10年", copy_no=1, copies_total=1, unit="机要室")
    [bars] = [i for i in compose(spec, width, height, dpi).items if hasattr(i, "module")]
    dots = bars.module / (MM_PER_INCH / dpi)
    assert dots == pytest.approx(round(dots))  # whole dots, always
    return round(dots)


def _code(body: str) -> str:
    return body + check_character(body)


# A carrier's own code (13 characters) and a reprint's code (15).
OWN, REPRINT = _code("CXZ-7K2M9Q4T"), _code("CXZ-7K2M9Q4TAB")


@pytest.mark.parametrize("code", [OWN, REPRINT])
def test_a_60x40_label_at_300_dpi_uses_3_dot_modules_for_our_codes(code: str) -> None:
    assert _dots(code, 60.0, 40.0, 300) == 3  # 0.254 mm, the widest that fits


@pytest.mark.parametrize("code", [OWN, REPRINT])
def test_a_50x30_label_at_300_dpi_keeps_2_dot_modules(code: str) -> None:
    assert _dots(code, 50.0, 30.0, 300) == 2  # 3 dots would not fit with the quiet zones


def test_a_shorter_code_gets_wider_modules_where_they_fit() -> None:
    assert _dots(_code("C-12345"), 60.0, 40.0, 300) > _dots(OWN, 60.0, 40.0, 300)
