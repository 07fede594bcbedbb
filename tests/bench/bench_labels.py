"""Label rendering speed, beside python-barcode's own ImageWriter on the same codes, and
the small DataMatrix labels beside zxing-cpp writing the bare symbol.

Run: ``.venv/bin/python tests/bench/bench_labels.py`` (``make bench``). Prints a table;
machines are noisy, compare the rows of one run with each other. Exits 1 if a small-label
target is missed: a 20×10 label at 203 dpi at ≥ 0.5× the rate of a bare zxing-cpp
DataMatrix PNG of the same code, and a sheet of 1,000 small labels in < 1 s.
"""

from __future__ import annotations

import io
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import barcode
import zxingcpp
from barcode.writer import ImageWriter
from PIL import Image

import labels
from labels import matrix
from labels.codes import ALPHABET, check_character


def codes(n: int) -> list[str]:
    rng = random.Random(1)
    heads = ["CXZ-" + "".join(rng.choice(ALPHABET) for _ in range(8)) for _ in range(n)]
    return [h + check_character(h) for h in heads]


def rate(
    fn: Callable[[str], object],
    items: list[str],
    repeats: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Items per second, the median of ``repeats`` passes (after one warm-up call)."""
    fn(items[0])
    rates = []
    for _ in range(repeats):
        start = clock()
        for item in items:
            fn(item)
        rates.append(len(items) / (clock() - start))
    return statistics.median(rates)


def small_rows(spec: Callable[[str], labels.LabelSpec]) -> tuple[list[tuple[str, str]], bool]:
    """The small DataMatrix labels against zxing-cpp's own writer, and their sheets."""
    sample = codes(200)
    rows: list[tuple[str, str]] = []

    def bare(code: str) -> bytes:
        # The same code as a 4-dot-module DataMatrix PNG at 203 dpi, nothing else on it.
        symbol = zxingcpp.create_barcode(code, zxingcpp.BarcodeFormat.DataMatrix)
        image = symbol.to_image(scale=4)
        out = io.BytesIO()
        Image.frombuffer("L", (image.shape[1], image.shape[0]), bytes(memoryview(image))).save(
            out, format="PNG", dpi=(203, 203)
        )
        return out.getvalue()

    def label(code: str) -> bytes:
        matrix.encode.cache_clear()  # every label a new code, as in a print run
        return labels.render(spec(code), "png", dpi=203, size="20x10")

    # CPU time of this process, in interleaved rounds, the median of their ratios: on a
    # machine shared with other jobs, wall time measured their load more than this code.
    cpu = time.process_time
    rounds = [(rate(bare, sample, 1, cpu), rate(label, sample, 1, cpu)) for _ in range(7)]
    bare_rate = statistics.median(b for b, _ in rounds)
    label_rate = statistics.median(lab for _, lab in rounds)
    ratio = statistics.median(lab / b for b, lab in rounds)
    rows.append(
        ("zxing-cpp bare DataMatrix PNG, 4-dot modules, 203 dpi", f"{bare_rate:,.0f}/CPU s")
    )
    rows.append(
        ("labels.render PNG 20x10 (DataMatrix, marking, code), 203 dpi", f"{label_rate:,.0f}/CPU s")
    )
    rows.append(("  20x10 label ÷ bare DataMatrix (target ≥ 0.5)", f"{ratio:.2f}"))
    ok = ratio >= 0.5
    thousand = [spec(c) for c in codes(1000)]
    for layout in ("a4-20x10", "a4-30x20", "a4-disc40"):
        times = []
        for _ in range(3):
            matrix.encode.cache_clear()
            start = cpu()
            pdf = labels.sheet(thousand, layout)
            times.append(cpu() - start)
        took = statistics.median(times)
        ok = ok and took < 1.0
        rows.append(
            (
                f"labels.sheet, 1,000 labels {layout}, CPU time (target < 1 s)",
                f"{took:.3f} s ({len(pdf) / 1024:,.0f} KiB)",
            )
        )
    return rows, ok


def main() -> int:
    sample = codes(200)

    def spec(code: str) -> labels.LabelSpec:
        return labels.LabelSpec(
            code=code, marking="机密★10年", copy_no=2, copies_total=5, unit="某某局机要室"
        )

    def bare(code: str) -> bytes:
        out = io.BytesIO()
        barcode.get("code128", code, writer=ImageWriter()).write(
            out, {"dpi": 203, "module_width": 0.25, "write_text": True}
        )
        return out.getvalue()

    rows: list[tuple[str, str]] = []
    bare_rate = rate(bare, sample)
    rows.append(("python-barcode ImageWriter, bare Code 128 PNG, 203 dpi", f"{bare_rate:,.0f}/s"))
    for fmt, dpi in (("png", 203), ("png", 300), ("svg", 300), ("pdf", 300), ("zpl", 203)):
        r = rate(lambda c, fmt=fmt, dpi=dpi: labels.render(spec(c), fmt, dpi=dpi), sample)
        rows.append((f"labels.render {fmt.upper()} 50x30, {dpi} dpi", f"{r:,.0f}/s"))
        if fmt == "png" and dpi == 203:
            rows.append(("  full label ÷ bare barcode (target ≥ 0.5)", f"{r / bare_rate:.2f}"))

    thousand = [spec(c) for c in codes(1000)]
    times = []
    for _ in range(3):
        start = time.perf_counter()
        pdf = labels.sheet(thousand, "a4-3x8")
        times.append(time.perf_counter() - start)
    rows.append(
        (
            "labels.sheet, 1,000 labels a4-3x8 (42 pages)",
            f"{statistics.median(times):.3f} s ({len(pdf) / 1024:,.0f} KiB)",
        )
    )

    small, ok = small_rows(spec)
    rows += small

    width = max(len(name) for name, _ in rows)
    print(f"{'benchmark':<{width}}  result")
    print(f"{'-' * width}  {'-' * 20}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(f"small-label targets: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
