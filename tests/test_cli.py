"""The `custos` console script as an administrator uses it, in a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labels.codes import is_valid

ROOT = Path(__file__).resolve().parent.parent


def custos(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh embedded (SQLite) installation of its own, shared by this module's tests."""
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environ["CUSTOS_VAR_DIR"] = str(tmp_path_factory.mktemp("custos-var"))
    result = custos("migrate", "--noinput", env=environ)
    assert result.returncode == 0, result.stderr
    return environ


def test_person_add_prints_the_badge_code_as_its_last_line(env: dict[str, str]) -> None:
    result = custos(
        "person",
        "add",
        "--name",
        "张三",
        "--clearance",
        "secret",
        "--roles",
        "clerk,witness",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    code = result.stdout.strip().splitlines()[-1]
    assert code.startswith("P") and is_valid(code)


def test_person_add_refuses_an_unknown_role(env: dict[str, str]) -> None:
    result = custos(
        "person", "add", "--name", "x", "--clearance", "none", "--roles", "boss", env=env
    )
    assert result.returncode != 0 and "boss" in result.stderr


def test_token_create_prints_a_token_that_the_api_accepts(env: dict[str, str]) -> None:
    badge = custos(
        "person", "add", "--name", "李四", "--clearance", "none", "--roles", "committee", env=env
    )
    code = badge.stdout.strip().splitlines()[-1]
    result = custos("token", "create", "--person", code, env=env)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip().splitlines()[-1]
    check = (
        "from django.test import Client;"
        f"r = Client().get('/api/v1/ledger/verify', HTTP_AUTHORIZATION='Bearer {token}');"
        "print(r.status_code)"
    )
    probe = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {check}"],
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "backend.settings"},
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert probe.stdout.strip().splitlines()[-1] == "200", probe.stderr


def test_a_device_token_needs_a_known_location(env: dict[str, str]) -> None:
    result = custos("token", "create", "--device", "desk-9", "--location", "L-NOWHERE0", env=env)
    assert result.returncode != 0


def test_demo_is_idempotent_and_verify_passes_on_it(env: dict[str, str]) -> None:
    first = custos("demo", env=env)
    assert first.returncode == 0, first.stderr
    second = custos("demo", env={**env, "CUSTOS_UNIT_NAME": "某某市保密局机要室"})
    assert second.returncode == 0 and "nothing to do" in second.stdout
    assert "纸面单位名称: 某某市保密局机要室" in second.stdout  # make run names the demo unit
    verify = custos("verify", env=env)
    assert verify.returncode == 0 and "12 carriers" in verify.stdout, verify.stdout


def test_a_hash_other_than_the_ledgers_refuses_to_start(env: dict[str, str]) -> None:
    refused = custos("check", env={**env, "CUSTOS_LEDGER_HASH": "sm3"})
    assert refused.returncode != 0 and "custody.E002" in refused.stderr, refused.stderr
    assert "created with sha256" in refused.stderr and "台账创建时" in refused.stderr
