"""labels/textlayer.py: the invisible text layer's font metrics and encoding."""

from __future__ import annotations

from reportlab.pdfbase.cidfonts import UnicodeCIDFont

from labels import textlayer


def test_the_written_out_widths_are_reportlabs_stsong_light_metrics() -> None:
    font = UnicodeCIDFont(textlayer.FONT)
    sample = "".join(chr(c) for c in range(0x20, 0x7F)) + "涉密载体★…—　"
    for ch in sample:
        assert textlayer.font_width(ch) * 1000 == font.stringWidth(ch, 1000), ch


def test_a_page_layer_is_one_invisible_text_object_of_ucs2_runs() -> None:
    layer = textlayer.PageLayer("T0")
    layer.add("机密 A1", 10, 20, 8, 30)
    layer.add("   ", 0, 0, 8, 30)  # nothing to find: left out
    layer.add("B", 10, 40, 8, 5)  # same size: no second Tf
    ops = layer.take()
    assert ops.startswith("q BT 3 Tr\n/T0 8 Tf\n") and ops.endswith("\nET Q")
    assert ops.count(" Tf") == 1 and ops.count(" Tj") == 2
    assert "<673A5BC6002000410031>" in ops
    natural = textlayer.font_width("机密 A1") * 8
    assert f"{100 * 30 / natural:.4f}".rstrip("0") + " Tz 1 0 0 1 10 20 Tm" in ops
    assert layer.take() == ""  # taken: the next page starts empty
    assert textlayer.encode("a\U00020bb7b") == "00610062"  # beyond UCS-2: left out
