"""The `custos` console script as an administrator uses it, in a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend.core import demo_features
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


def django_probe(source: str, *, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Python run against the installation ``env`` names, as its own process."""
    return subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        env={**env, "DJANGO_SETTINGS_MODULE": "backend.settings"},
        cwd=ROOT,
        timeout=60,
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
    probe = django_probe(f"import django; django.setup(); {check}", env=env)
    assert probe.stdout.strip().splitlines()[-1] == "200", probe.stderr


def test_a_device_token_needs_a_known_location(env: dict[str, str]) -> None:
    result = custos("token", "create", "--device", "desk-9", "--location", "L-NOWHERE0", env=env)
    assert result.returncode != 0


# Signs in as the demo's clerk and its committee (the second factor taken as passed) and
# prints, for each page, its status and which of the demo's new things it names.
PAGES_PROBE = """
import json, re, django
django.setup()
from django.test import Client
from backend.carryouts.models import CarryOut
from backend.core import demo_features as demo
from backend.meetings.models import Meeting
from backend.registry.media import Medium
from backend.registry.models import Person
from backend.security.middleware import TWO_FACTOR_KEY
meeting = Meeting.objects.get(title=demo.MEETING).id
approved = CarryOut.objects.get(purpose=demo.APPROVED_PURPOSE).id
pages = {
    "P-CLERK1R": {"meetings": "/meetings/", "meeting": f"/meetings/{meeting}/",
                  "carry-out": f"/carry-outs/{approved}/"},
    "P-COMM1E": {"inspection": "/inspection/", "reports": "/reports/",
                 "carry-outs": "/carry-outs/"},
}
names = [demo.MEETING, "已签到 2/4", "已发放 2", demo.APPROVED_PURPOSE, demo.APPROVED_TO,
         demo.PENDING_TO, demo.FINDING]
out = {}
for code, paths in pages.items():
    client = Client()
    client.force_login(Person.objects.get(code=code).user)
    session = client.session
    session[TWO_FACTOR_KEY] = True
    session.save()
    for name, path in paths.items():
        page = client.get(path)
        body = " ".join(re.sub(r"<[^>]+>", " ", page.content.decode()).split())
        out[name] = [page.status_code, [n for n in names if n in body]]
computer = Medium.objects.get(serial=demo.COMPUTER_SERIAL).carrier
out["disks"] = sorted(Medium.objects.filter(host=computer).values_list("serial", flat=True))
print(json.dumps(out))
"""


def test_demo_is_idempotent_verify_passes_and_its_pages_show_this_rounds_features(
    env: dict[str, str],
) -> None:
    first = custos("demo", env=env)
    assert first.returncode == 0, first.stderr
    second = custos("demo", env={**env, "CUSTOS_UNIT_NAME": "某某市保密局机要室"})
    assert "demo features seeded" in first.stdout, first.stdout
    assert second.returncode == 0 and "nothing to do" in second.stdout
    assert "纸面单位名称: 某某市保密局机要室" in second.stdout  # make run names the demo unit
    verify = custos("verify", env=env)
    assert verify.returncode == 0 and "19 carriers" in verify.stdout, verify.stdout
    # This round's features, seeded once, show on their pages.
    probe = django_probe(PAGES_PROBE, env=env)
    assert probe.returncode == 0, probe.stderr
    pages = json.loads(probe.stdout.strip().splitlines()[-1])
    assert pages.pop("disks") == [serial for serial, *_ in demo_features.DISKS]
    assert {page: status for page, (status, _) in pages.items()} == dict.fromkeys(pages, 200)
    shown = {name: set(names) for name, (_, names) in pages.items()}
    assert {demo_features.MEETING} <= shown["meetings"]
    assert {demo_features.MEETING, "已签到 2/4", "已发放 2"} <= shown["meeting"]
    assert {demo_features.APPROVED_PURPOSE} <= shown["carry-out"]
    assert {demo_features.APPROVED_TO, demo_features.PENDING_TO} <= shown["carry-outs"]
    assert {demo_features.FINDING} <= shown["inspection"]


def test_a_hash_other_than_the_ledgers_refuses_to_start(env: dict[str, str]) -> None:
    refused = custos("check", env={**env, "CUSTOS_LEDGER_HASH": "sm3"})
    assert refused.returncode != 0 and "custody.E002" in refused.stderr, refused.stderr
    assert "created with sha256" in refused.stderr and "台账创建时" in refused.stderr
