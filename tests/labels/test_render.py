"""labels.render and the layout: every size, dpi and kind scans, bars on whole dots, text
inside the label, the title only when asked, clear errors for bad input."""

from __future__ import annotations

import io

import pytest
from PIL import Image

import labels
from labels import LabelError, LabelSpec, fonts, raster
from labels.codes import check_character
from labels.layout import QUIET_MODULES, Bars, Label, Text, compose, size_mm
from tests.labels.scan import decode


def code(head: str) -> str:
    return head + check_character(head)


CARRIER = LabelSpec(
    code="CXZ-00000001M", marking="机密★10年", copy_no=2, copies_total=5, unit="某某局机要室"
)
BADGE = LabelSpec(code="P-ADMIN1U", kind="badge", person="欧阳娜娜", unit="某某市国家保密局")
PLATE = LabelSpec(code="L-SAFE-AF", kind="plate", location="一号楼三层机要室保密柜A", unit="保密局")
LONG = LabelSpec(
    code=code("CSHANGHAI-7K2Q9XBM"),
    marking="绝密★2031年12月31日",
    copy_no=12,
    copies_total=20,
    unit="某某省某某市某某区人民政府办公室机要科保密档案管理中心",
    title="关于二〇二五年度保密工作检查情况的通报及整改要求（第二批）" * 2,
    show_title=True,
)

CASES = [
    (CARRIER, "50x30"),
    (CARRIER, "60x40"),
    (LONG, "50x30"),
    (LONG, "60x40"),
    (BADGE, None),
    (PLATE, None),
]


@pytest.mark.parametrize("dpi", [203, 300, 600])
@pytest.mark.parametrize(("spec", "size"), CASES)
def test_every_size_and_dpi_scans_back_to_its_code(spec: LabelSpec, size: str, dpi: int) -> None:
    png = labels.render(spec, "png", dpi=dpi, size=size)
    image = Image.open(io.BytesIO(png))
    width, height = size_mm(size, spec.kind)
    assert image.size == (round(width / 25.4 * dpi), round(height / 25.4 * dpi))
    assert image.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)  # stored per metre
    assert decode(image) == [spec.code]


@pytest.mark.parametrize("dpi", [203, 300, 600])
@pytest.mark.parametrize(("spec", "size"), CASES)
def test_bars_sit_on_whole_dots_with_quiet_zones_inside_the_label(
    spec: LabelSpec, size: str, dpi: int
) -> None:
    label = compose(spec, *size_mm(size, spec.kind), dpi)
    bars = label.bars
    dot = 25.4 / dpi
    for value in (bars.x, bars.y, bars.module, bars.height):
        assert value / dot == pytest.approx(round(value / dot), abs=1e-6)
    assert bars.module >= 0.125 - 1e-9
    # The pixels: the quiet zone on both sides of the symbol is white on every bar row.
    image = raster.image(label)
    module = round(bars.module / dot)
    left = round(bars.x / dot)
    right = left + bars.modules * module
    quiet = QUIET_MODULES * module
    assert left - quiet >= 0 and right + quiet <= image.width
    for y in range(round(bars.y / dot), round((bars.y + bars.height) / dot)):
        row = [image.getpixel((x, y)) for x in range(left - quiet, right + quiet)]
        assert all(row[:quiet]) and all(row[-quiet:]), y
        assert not row[quiet]  # the symbol starts with a bar exactly where it should


def _text_box(item: Text) -> tuple[float, float, float, float]:
    m = fonts.metrics()
    width = fonts.advance(item.text, item.weight) * item.size
    return (
        item.x,
        item.baseline - m.ascender * item.size,
        item.x + width,
        item.baseline - m.descender * item.size,
    )


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("size", ["50x30", "60x40"])
def test_long_texts_are_shortened_and_nothing_leaves_the_label_or_touches_the_bars(
    size: str,
) -> None:
    label = compose(LONG, *size_mm(size, LONG.kind), 300)
    bars = label.bars
    bar_box = (
        bars.x - QUIET_MODULES * bars.module,
        bars.y,
        bars.x + (bars.modules + QUIET_MODULES) * bars.module,
        bars.y + bars.height,
    )
    boxes = [_text_box(t) for t in label.texts]
    for box in boxes:
        assert box[0] >= 0 and box[1] >= 0
        assert box[2] <= label.width + 1e-6 and box[3] <= label.height + 1e-6
        assert not _overlaps(box, bar_box)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not _overlaps(a, b)
    texts = [t.text for t in label.texts]
    assert any(t.endswith("…") for t in texts)  # the unit or title was shortened
    assert "绝密★2031年12月31日" in texts  # the marking never is
    assert "第12份 共20份" in texts


def test_the_marking_is_the_largest_text_on_a_carrier_label() -> None:
    label = compose(CARRIER, 50, 30, 203)
    marking = next(t for t in label.texts if t.text == "机密★10年")
    assert marking.weight == fonts.BOLD
    assert marking.size == max(t.size for t in label.texts)
    assert [t.text for t in label.texts if t.text == "第2份 共5份"]
    assert [t.text for t in label.texts if t.text == "某某局机要室"]
    assert [t.text for t in label.texts if t.text == CARRIER.code]


def test_the_title_is_printed_only_when_asked() -> None:
    title = "某项目技术方案"
    hidden = LabelSpec(code=CARRIER.code, marking="秘密★5年", title=title)
    shown = LabelSpec(code=CARRIER.code, marking="秘密★5年", title=title, show_title=True)
    assert title not in [t.text for t in compose(hidden, 60, 40, 300).texts]
    assert title in [t.text for t in compose(shown, 60, 40, 300).texts]
    assert title.encode() not in labels.render(hidden, "svg")


def test_a_long_marking_wraps_rather_than_being_cut() -> None:
    spec = LabelSpec(code=CARRIER.code, marking="秘密★本项目全部验收合格并经主管部门批准后解密")
    label = compose(spec, 50, 30, 300)
    bold = "".join(t.text for t in label.texts if t.weight == fonts.BOLD)
    assert bold == spec.marking
    assert decode(raster.image(label)) == [spec.code]


def test_a_marking_that_fits_no_label_is_refused() -> None:
    spec = LabelSpec(code=CARRIER.code, marking="秘密★" + "项目验收合格后解密" * 6)
    with pytest.raises(LabelError, match="marking"):
        compose(spec, 50, 30, 300)


def test_badges_and_plates_show_the_name_large() -> None:
    badge = compose(BADGE, *size_mm(None, BADGE.kind), 300)
    name = next(t for t in badge.texts if t.text == "欧阳娜娜")
    assert name.size == max(t.size for t in badge.texts)
    plate = compose(PLATE, *size_mm(None, PLATE.kind), 300)
    assert "一号楼三层机要室保密柜A" in [t.text for t in plate.texts]


def test_a_character_the_font_lacks_prints_as_a_question_mark() -> None:
    spec = LabelSpec(code=BADGE.code, kind="badge", person="王\U000f0001明")
    assert "王?明" in [t.text for t in compose(spec, 85.6, 54, 300).texts]


@pytest.mark.parametrize(
    ("kwargs", "reason", "words"),
    [
        ({"code": "CXZ-00000001A", "marking": "秘密★1年"}, "bad_check_character", "check"),
        ({"code": "P-ADMIN1U", "marking": "秘密★1年"}, "invalid", "person code"),
        ({"code": "CXZ-00000001M"}, "invalid", "marking"),
        ({"code": "P-ADMIN1U", "kind": "badge"}, "invalid", "name"),
        ({"code": "L-SAFE-AF", "kind": "plate"}, "invalid", "location"),
        (
            {"code": "CXZ-00000001M", "marking": "秘密", "copy_no": 3, "copies_total": 2},
            "invalid",
            "Copy 3",
        ),
        ({"code": "序列号1", "marking": "秘密", "serial": True}, "invalid", "ASCII"),
    ],
)
def test_bad_specs_are_refused_with_a_reason(kwargs: dict, reason: str, words: str) -> None:
    with pytest.raises(LabelError, match=words) as caught:
        LabelSpec(**kwargs)
    assert caught.value.reason == reason


def test_codes_are_normalised_and_serials_are_allowed() -> None:
    assert LabelSpec(code="  cxz-00000001m ", marking="秘密").code == "CXZ-00000001M"
    assert LabelSpec(code="9912345", marking="秘密", serial=True).code == "9912345"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"fmt": "jpeg"}, "format"),
        ({"dpi": 150}, "dpi"),
        ({"size": "40x20"}, "size"),
    ],
)
def test_unknown_formats_dpis_and_sizes_are_refused(kwargs: dict, words: str) -> None:
    with pytest.raises(LabelError, match=words):
        labels.render(CARRIER, **kwargs)


def test_a_code_too_long_for_the_label_is_refused_not_squeezed() -> None:
    spec = LabelSpec(code="A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6Q7R8S9T0", marking="秘密", serial=True)
    with pytest.raises(LabelError, match="too long"):
        labels.render(spec, "png", dpi=300, size="50x30")


def test_the_same_spec_renders_the_same_bytes() -> None:
    for fmt in labels.FORMATS:
        assert labels.render(CARRIER, fmt) == labels.render(CARRIER, fmt)


def test_a_label_is_pure_data() -> None:
    label = compose(CARRIER, 50, 30, 203)
    assert isinstance(label, Label)
    assert sum(isinstance(i, Bars) for i in label.items) == 1
    with pytest.raises(AttributeError):
        label.width = 10  # type: ignore[misc]
