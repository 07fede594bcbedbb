"""The layers (docs/architecture.md) as `make test` enforces them: import-linter's contracts
in pyproject.toml, run before pytest, and no project import hidden in a function body.

The contracts are checked against trees built here: a wrong import added on purpose must
break them, and the same tree without it must keep them.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from django.apps import apps as django_apps

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
PACKAGES = ("backend", "worker", "labels", "scanners")


def importlinter_config() -> str:
    """The [tool.importlinter] tables of pyproject.toml, as text."""
    lines = (ROOT / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    out: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("["):
            inside = line.lstrip("[").startswith("tool.importlinter")
        if inside:
            out.append(line)
    return "\n".join(out) + "\n"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def broken_imports(output: str) -> set[tuple[str, str]]:
    """(importer, imported) for every import a broken contract lists."""
    return set(re.findall(r"^-\s+([\w.]+) -> ([\w.]+)", output, flags=re.MULTILINE))


def write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def contract_modules() -> set[str]:
    config = tomllib.loads(importlinter_config())["tool"]["importlinter"]
    names: set[str] = set()
    for contract in config["contracts"]:
        for layer in contract.get("layers", []):
            names.update(m.strip() for m in layer.split("|"))
        names.update(contract.get("source_modules", []))
    return names


@pytest.fixture
def skeleton(tmp_path: Path) -> Path:
    """Every module the contracts name, empty, with the project's contracts."""
    for package in PACKAGES:
        write(tmp_path / package / "__init__.py")
    for name in contract_modules():
        parts = name.split(".")
        real = ROOT.joinpath(*parts)
        if real.is_dir():
            write(tmp_path.joinpath(*parts) / "__init__.py")
        else:
            write(tmp_path.joinpath(*parts[:-1]) / f"{parts[-1]}.py")
    write(tmp_path / "pyproject.toml", importlinter_config())
    return tmp_path


def test_make_test_runs_lint_imports_before_pytest() -> None:
    shown = subprocess.run(
        ["make", "-n", "-o", ".venv/.installed", "test"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    commands = [line.split()[0].rsplit("/", 1)[-1] for line in shown if line.strip()]
    assert "lint-imports" in commands
    assert commands.index("lint-imports") < commands.index("pytest")


def test_the_contracts_ignore_no_import() -> None:
    config = tomllib.loads(importlinter_config())["tool"]["importlinter"]
    assert config["contracts"], "no contracts"
    for contract in config["contracts"]:
        assert "ignore_imports" not in contract, contract["name"]


def test_an_empty_tree_keeps_every_contract(skeleton: Path) -> None:
    result = lint_imports(skeleton)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


@pytest.mark.parametrize(
    ("importer", "statement", "expected"),
    [
        # a lower app reaching up to the pages
        ("backend/registry/wrong.py", "import backend.desk", "backend.desk"),
        # the registry calling the 定密 procedure, the cycle that issue 14 removed
        (
            "backend/registry/wrong.py",
            "from backend import classification",
            "backend.classification",
        ),
        # a backend app queueing through the worker package instead of backend.queue
        ("backend/printing/wrong.py", "import worker", "worker"),
        # the pure libraries stay free of the backend
        ("labels/wrong.py", "import backend.registry", "backend.registry"),
        ("scanners/wrong.py", "import django", "django"),
        # siblings in one layer stay independent
        ("backend/printing/wrong.py", "import backend.registers", "backend.registers"),
    ],
)
def test_one_wrong_import_breaks_the_contracts(
    skeleton: Path, importer: str, statement: str, expected: str
) -> None:
    write(skeleton / importer, statement + "\n")
    result = lint_imports(skeleton)
    assert result.returncode != 0
    module = importer.removesuffix(".py").replace("/", ".")
    assert (module, expected) in broken_imports(result.stdout), result.stdout


def test_the_real_tree_keeps_the_contracts_and_a_wrong_import_breaks_them(
    tmp_path: Path,
) -> None:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "locale"),
        )
    write(tmp_path / "pyproject.toml", importlinter_config())
    before = lint_imports(tmp_path)
    assert before.returncode == 0, before.stdout
    write(tmp_path / "backend/registry/wrong_way.py", "from backend.desk import views_desk\n")
    after = lint_imports(tmp_path)
    assert after.returncode != 0
    assert ("backend.registry.wrong_way", "backend.desk.views_desk") in broken_imports(
        after.stdout
    ), after.stdout


def _imports_in_functions(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []

    def project(node: ast.AST) -> str | None:
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else ["(relative)"]
        else:
            return None
        hits = [n for n in names if n == "(relative)" or n.split(".")[0] in PACKAGES]
        return ", ".join(hits) or None

    def visit(node: ast.AST, in_function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            hit = project(child) if in_function else None
            # No exception, not even AppConfig.ready(): each app's subscriptions.py
            # connects its receivers at import, and CoreConfig finds them by name.
            if hit:
                found.append(f"{path.relative_to(root)}:{child.lineno} {hit}")
            visit(child, in_function)

    visit(tree, None)
    return found


def test_no_project_import_hides_in_a_function_body() -> None:
    # scanners/cli.py imports its camera and serial readers late on purpose: a desk PC
    # without zxing-cpp or pyserial still runs the other commands. No cycle hides there.
    found: list[str] = []
    for package in ("backend", "worker"):
        for path in sorted((ROOT / package).rglob("*.py")):
            found += _imports_in_functions(path)
    assert found == []


def test_the_function_body_check_sees_a_hidden_import(tmp_path: Path) -> None:
    module = tmp_path / "backend" / "registry" / "probe.py"
    write(
        module, "import backend.registry\n\n\ndef f():\n    from backend.desk import views_desk\n"
    )
    write(tmp_path / "backend" / "registry" / "apps.py", "def ready():\n    import backend.desk\n")
    assert _imports_in_functions(module, tmp_path) == ["backend/registry/probe.py:5 backend.desk"]
    assert _imports_in_functions(tmp_path / "backend" / "registry" / "apps.py", tmp_path) == [
        "backend/registry/apps.py:2 backend.desk"
    ]


def test_every_apps_subscriptions_are_connected_once_django_is_set_up() -> None:
    expected = {
        f"backend.{path.parent.name}.subscriptions"
        for path in (ROOT / "backend").glob("*/subscriptions.py")
    }
    assert len(expected) >= 8
    assert django_apps.ready
    assert expected <= set(sys.modules), expected - set(sys.modules)
