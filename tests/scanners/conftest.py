"""Shared helpers for the scanner client's tests: codes, a spool, running the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from labels.codes import Kind, generate
from scanners.spool import Spool
from tests.scanners.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real server on a fresh database (see live_server.py); skipped until it exists."""
    if not (ROOT / "backend" / "wsgi.py").exists():
        pytest.skip("the server (backend/wsgi.py) is not there yet")
    live = LiveServer(tmp_path_factory.mktemp("custos-server"))
    try:
        live.prepare()
        live.start()
        yield live
    finally:
        live.close()


def code(kind: Kind = Kind.CARRIER) -> str:
    return generate(kind, prefix="T")


@pytest.fixture
def spool_path(tmp_path: Path) -> Path:
    return tmp_path / "spool.sqlite3"


@pytest.fixture
def spool(spool_path: Path) -> Iterator[Spool]:
    with Spool(spool_path) as s:
        yield s


def cli_env(spool_path: Path, **extra: str) -> dict[str, str]:
    """An environment for ``python -m scanners`` that sees only what the test sets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOS_")}
    env.update(
        PYTHONPATH=str(ROOT),
        CUSTOS_SPOOL=str(spool_path),
        XDG_CONFIG_HOME=str(spool_path.parent / "config"),
        **extra,
    )
    return env


def run_cli(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanners", *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
