"""`make bench`: run every benchmark module and print its table.

Each module has ``main() -> int``. Speed targets live here, never in timed tests.
"""

from __future__ import annotations

import importlib
import sys

MODULES = [
    "tests.bench.bench_ledger",
    "tests.bench.bench_cost",
    "tests.bench.bench_labels",
    "tests.bench.bench_scanners",
    "tests.bench.bench_registers",
    "tests.bench.bench_sweep",
    "tests.bench.bench_desk",
    "tests.bench.bench_meetings",
    "tests.bench.bench_trust",
    "tests.bench.bench_receipts",
    "tests.bench.bench_import",
    "tests.bench.bench_annual",
]


def main() -> int:
    failed = 0
    wanted = sys.argv[1:]
    for name in MODULES:
        if wanted and not any(w in name for w in wanted):
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            print(f"-- {name}: not available ({exc})")
            continue
        print(f"== {name}")
        failed |= int(module.main() or 0)
    return failed


if __name__ == "__main__":
    sys.exit(main())
