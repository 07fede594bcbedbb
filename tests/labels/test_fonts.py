"""labels/fonts.py: Chinese is drawn with real glyphs from the installed package, never
the font's missing-glyph box."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageDraw

from labels import fonts

MARKINGS = "机密★10年 秘密★6个月 绝密★2031年12月31日 第2份 共5份 人员证 位置"
NOT_IN_FONT = "\U000f0001"  # a private-use plane code point no font maps


def _draw(ch: str, weight: int = fonts.BOLD) -> Image.Image:
    font = fonts.pil_font(64, weight)
    image = Image.new("L", (96, 96), 255)
    ImageDraw.Draw(image).text((8, 80), ch, font=font, fill=0, anchor="ls")
    return image


def test_the_font_ships_in_a_python_package_not_the_system() -> None:
    assert fonts.FONT_FILE.is_file()
    assert "site-packages" in str(fonts.FONT_FILE) or ".venv" in str(fonts.FONT_FILE)
    assert not str(fonts.FONT_FILE).startswith("/usr/share/fonts")


@pytest.mark.parametrize("ch", sorted(set(MARKINGS.replace(" ", ""))))
def test_each_marking_character_is_a_real_glyph_not_the_missing_glyph_box(ch: str) -> None:
    assert fonts.has_glyph(ch)
    tofu = _draw(NOT_IN_FONT)
    drawn = _draw(ch)
    assert drawn.getextrema()[0] == 0  # it has ink
    assert ImageChops.difference(drawn, tofu).getbbox() is not None
    assert fonts.segments(ch, fonts.BOLD) != fonts.segments(NOT_IN_FONT, fonts.BOLD)


def test_simplified_forms_are_used() -> None:
    # The collection holds JP, KR, SC, TC and HK faces; their glyph forms differ.
    assert "SC" in fonts.FONT_NAME
    assert fonts._font()["name"].getDebugName(4) == "Noto Sans CJK SC"


def test_bold_is_heavier_than_regular() -> None:
    def ink(image: Image.Image) -> int:
        return sum(1 for v in image.tobytes() if v < 128)

    assert ink(_draw("密", fonts.BOLD)) > ink(_draw("密", fonts.REGULAR)) * 1.2


def test_characters_the_font_lacks_become_a_question_mark() -> None:
    assert fonts.printable(f"王{NOT_IN_FONT}明\t\x07") == "王?明 "


def test_widths_agree_between_fonttools_and_pillow() -> None:
    text = "机密★10年 CXZ-00000001M"
    for weight in (fonts.REGULAR, fonts.BOLD):
        ours = fonts.advance(text, weight) * 100
        pillow = fonts.pil_font(100, weight).getlength(text)
        assert ours == pytest.approx(pillow, rel=0.01)
