"""Types that mean something: `make test` runs mypy (with django-stubs, as configured in
pyproject.toml) on the typed trees before pytest, and every ignore left says why.

The hook is proven from both sides: make's own plan runs mypy, and mypy with the project's
config refuses a module written wrong on purpose while it accepts the same code written
right, so a green `make test` means the trees type-check.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MYPY = Path(sys.executable).parent / "mypy"
TYPED = ("backend", "labels", "scanners", "worker")

# `# type: ignore[code]  # why`: the code(s) it hides, then the reason in a comment.
REASONED = re.compile(r"# type: ignore\[[a-z-]+(,[a-z-]+)*\]  # \S")

RIGHT = """\
from backend.desk.access import DeskRequest


def badge(request: DeskRequest) -> str:
    return request.person.code


def scanned(request: DeskRequest) -> bool:
    return request.htmx.boosted or request.principal.is_committee
"""

# Each line marked "# wrong: <error code>" must be reported with that code, and only those.
WRONG = """\
from django.http import HttpRequest

from backend.desk.access import DeskRequest


def badge(request: DeskRequest) -> int:
    return request.person.code  # wrong: return-value


def untyped_page(request: HttpRequest) -> str:
    return request.person.code  # wrong: attr-defined


count: int = 1  # type: ignore[assignment]  # wrong: unused-ignore
"""


def make_commands(target: str) -> list[list[str]]:
    """The commands `make TARGET` would run, in order (the venv taken as installed)."""
    shown = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    return [line.split() for line in shown if line.strip()]


def make_plan(target: str) -> list[str]:
    """The programs `make TARGET` would run, in order."""
    return [command[0].rsplit("/", 1)[-1] for command in make_commands(target)]


def run_mypy(*paths: Path) -> subprocess.CompletedProcess[str]:
    # From the project root with its pyproject.toml, as make runs it; the cache beside it
    # (warm after `make test`'s own run) keeps this to seconds.
    return subprocess.run(
        [str(MYPY), "--config-file", str(ROOT / "pyproject.toml"), *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_make_test_runs_mypy_after_lint_imports_and_before_pytest() -> None:
    plan = make_plan("test")
    assert "mypy" in plan
    assert plan.index("lint-imports") < plan.index("mypy") < plan.index("pytest")


def test_make_lint_runs_mypy_too() -> None:
    assert "mypy" in make_plan("lint")


def test_make_runs_mypy_on_every_typed_tree() -> None:
    [arguments] = [c[1:] for c in make_commands("test") if c[0].endswith("/mypy")]
    assert arguments == list(TYPED)


def test_mypy_refuses_an_ill_typed_module_and_accepts_it_written_right(tmp_path: Path) -> None:
    right, wrong = tmp_path / "typed_right.py", tmp_path / "typed_wrong.py"
    right.write_text(RIGHT, encoding="utf-8")
    wrong.write_text(WRONG, encoding="utf-8")

    result = run_mypy(right, wrong)

    assert result.returncode == 1, result.stdout + result.stderr
    expected = {
        (n, line.rsplit("# wrong: ", 1)[1])
        for n, line in enumerate(WRONG.splitlines(), start=1)
        if "# wrong: " in line
    }
    reported = {
        (int(n), code)
        for n, code in re.findall(
            r"^.*typed_wrong\.py:(\d+): error: .*\[([a-z-]+)\]$", result.stdout, re.MULTILINE
        )
    }
    assert reported == expected, result.stdout
    assert "typed_right.py" not in result.stdout


def test_every_ignore_in_the_typed_trees_says_what_it_hides_and_why() -> None:
    bare = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for tree in TYPED
        for path in sorted((ROOT / tree).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"type:\s*ignore", line) and not REASONED.search(line)
    ]
    assert bare == []


def test_the_reason_check_tells_a_bare_ignore_from_a_reasoned_one() -> None:
    assert REASONED.search("x = f()  # type: ignore[arg-type]  # the stubs lack it")
    assert REASONED.search("y = g()  # type: ignore[attr-defined,assignment]  # lock annotation")
    assert not REASONED.search("x = f()  # type: ignore[arg-type]")
    assert not REASONED.search("x = f()  # type: ignore")
    assert not REASONED.search("x = f()  # type: ignore  # no code")
