"""labels/textlayer.py: the invisible text layer's font metrics and encoding."""

from __future__ import annotations

from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from labels import textlayer


def test_the_written_out_widths_are_reportlabs_stsong_light_metrics() -> None:
    font = UnicodeCIDFont(textlayer.FONT)
    sample = "".join(chr(c) for c in range(0x20, 0x7F)) + "涉密载体★…—　"
    for ch in sample:
        assert textlayer.font_width(ch) * 1000 == font.stringWidth(ch, 1000), ch


def test_a_run_is_invisible_ucs2_text_stretched_to_its_outlines() -> None:
    ops = textlayer.run("T0", "机密 A1", 10, 20, 8, 30)
    assert ops.startswith("q BT 3 Tr /T0 8 Tf ") and ops.endswith(" Tj ET Q")
    assert "<673A5BC6002000410031>" in ops
    natural = textlayer.font_width("机密 A1") * 8
    assert f" {100 * 30 / natural:.4f}".rstrip("0") + " Tz" in ops
    assert textlayer.run("T0", "   ", 0, 0, 8, 30) == ""
    assert textlayer.encode("a\U00020bb7b") == "00610062"  # beyond UCS-2: left out
