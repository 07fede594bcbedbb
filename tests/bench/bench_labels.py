"""Label rendering speed, beside python-barcode's own ImageWriter on the same codes.

Run: ``.venv/bin/python tests/bench/bench_labels.py`` (``make bench``). Prints a table;
asserts nothing — machines are noisy, compare the rows of one run with each other.
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
from barcode.writer import ImageWriter

import labels
from labels.codes import ALPHABET, check_character


def codes(n: int) -> list[str]:
    rng = random.Random(1)
    heads = ["CXZ-" + "".join(rng.choice(ALPHABET) for _ in range(8)) for _ in range(n)]
    return [h + check_character(h) for h in heads]


def rate(fn: Callable[[str], object], items: list[str], repeats: int = 3) -> float:
    """Items per second, the median of ``repeats`` passes (after one warm-up call)."""
    fn(items[0])
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            fn(item)
        rates.append(len(items) / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
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

    width = max(len(name) for name, _ in rows)
    print(f"{'benchmark':<{width}}  result")
    print(f"{'-' * width}  {'-' * 20}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
