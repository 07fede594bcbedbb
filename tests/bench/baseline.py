"""A second copy of the code at another git ref, to measure before and after in one run.

Throughput on these shared 2-core machines drifts by a third between runs minutes apart
(FACTS.md), so "before" figures from another day say little about what a change cost.
``BENCH_BASELINE_REF=<ref>`` checks that ref out into a temporary ``git worktree``
(detached, so no branch moves) and the benchmark starts a second server from it, driven
in the same runs as the current tree's.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def resolve(root: Path, ref: str) -> str:
    """The commit ``ref`` names, so the figures say exactly what was compared."""
    return subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", f"{ref}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@contextmanager
def worktree(root: Path, ref: str) -> Iterator[Path]:
    """``ref`` checked out in a temporary directory, removed (with its git entry) after."""
    path = Path(tempfile.mkdtemp(prefix="custos-baseline-")) / "tree"
    subprocess.run(
        ["git", "-C", str(root), "worktree", "add", "--detach", "--quiet", str(path), ref],
        check=True,
    )
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(root), "worktree", "remove", "--force", str(path)], check=False
        )
        shutil.rmtree(path.parent, ignore_errors=True)
