"""compose.yaml: valid Compose, the production shape, and commands the project really has.

No Docker engine runs here, so the file is checked statically: against the Compose
Specification's JSON schema (vendored beside this test, see README.md), for the shape the
issue asks for, and for each service's command, resolved the way the real program would
resolve it. No database is needed.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yaml"
SCHEMA_FILE = Path(__file__).with_name("compose-spec.json")
DOCKERFILE = ROOT / "Dockerfile"

APP_SERVICES = ("web", "worker", "beat")
LONG_RUNNING = ("postgres", "redis", *APP_SERVICES)
BACKING_PORTS = {"postgres": 5432, "redis": 6379}


def _load_compose() -> dict:
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _schema() -> dict:
    # The file says "$schema": "https://json-schema.org/draft-07/schema" (no trailing '#'),
    # which jsonschema does not recognise by URI, so the draft is named explicitly.
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


COMPOSE = _load_compose()
SERVICES: dict[str, dict] = COMPOSE["services"]


def _argv(service: str) -> list[str]:
    command = SERVICES[service].get("command")
    assert command, f"{service} has no command"
    return shlex.split(command) if isinstance(command, str) else list(command)


def _option(argv: list[str], *names: str) -> str | None:
    for i, arg in enumerate(argv):
        for name in names:
            if arg == name and i + 1 < len(argv):
                return argv[i + 1]
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def _named_volume_mounts(service: str) -> dict[str, str]:
    """source volume -> container path, for the service's named-volume mounts."""
    mounts: dict[str, str] = {}
    for entry in SERVICES[service].get("volumes", []):
        if isinstance(entry, str):
            source, _, rest = entry.partition(":")
            target = rest.split(":")[0]
            if source and not source.startswith((".", "/", "~", "$")):
                mounts[source] = target
        elif entry.get("type") == "volume" and entry.get("source"):
            mounts[entry["source"]] = entry["target"]
    return mounts


# --- the Compose Specification ------------------------------------------------------------


def test_vendored_schema_is_a_valid_json_schema():
    schema = _schema()
    assert "draft-07" in schema["$schema"]
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["title"] == "Compose Specification"


def test_compose_file_validates_against_the_compose_spec():
    validator = jsonschema.Draft7Validator(_schema())
    errors = sorted(validator.iter_errors(COMPOSE), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
    )


def test_schema_rejects_a_broken_file():
    """The validation is not vacuous: a misspelt key and a bad condition are refused."""
    validator = jsonschema.Draft7Validator(_schema())
    broken = {
        "services": {
            "web": {"image": "x", "helthcheck": {"test": ["CMD", "true"]}},
            "beat": {"image": "x", "depends_on": {"web": {"condition": "service_ready"}}},
        }
    }
    assert len(list(validator.iter_errors(broken))) >= 2


# --- the production shape -----------------------------------------------------------------


def test_services_are_the_production_shape():
    assert set(SERVICES) == {"postgres", "redis", "web", "worker", "beat", "migrate"}
    assert SERVICES["postgres"]["image"].split(":")[0] == "postgres"
    # The image's pg_dump (Debian bookworm's client) is 15 and refuses a newer server.
    assert SERVICES["postgres"]["image"].split(":")[1].split(".")[0] == "15"
    assert SERVICES["redis"]["image"].split(":")[0] == "redis"
    assert SERVICES["redis"]["image"].split(":")[1].split(".")[0] == "7"


def test_beat_runs_exactly_one_replica():
    beat = SERVICES["beat"]
    assert beat["deploy"]["replicas"] == 1
    assert beat.get("scale", 1) == 1
    assert beat["deploy"].get("mode", "replicated") == "replicated"


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_long_running_services_have_a_healthcheck(service):
    check = SERVICES[service].get("healthcheck")
    assert check, f"{service} has no healthcheck"
    assert not check.get("disable")
    test = check["test"]
    if isinstance(test, list):
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1
    else:
        assert test.strip()


def test_healthchecks_use_the_right_probes():
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(SERVICES["redis"]["healthcheck"]["test"])
    # python:3.11-slim has no curl: the web probe is Python's urllib on the health endpoint.
    web_probe = " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "python" in web_probe and "urllib" in web_probe
    assert "/api/v1/health" in web_probe


def test_web_healthcheck_path_is_a_real_route():
    from django.urls import Resolver404, resolve

    probe = " ".join(SERVICES["web"]["healthcheck"]["test"])
    match = re.search(r"http://[^/'\"]+(/[^'\"\s]*)", probe)
    assert match, probe
    try:
        resolve(match.group(1))
    except Resolver404:  # pragma: no cover - failure path
        pytest.fail(f"the web healthcheck probes {match.group(1)}, which no URL resolves")


def test_named_volumes_are_declared_and_used():
    declared = set(COMPOSE.get("volumes") or {})
    assert "postgres-data" in declared
    assert _named_volume_mounts("postgres").get("postgres-data") == "/var/lib/postgresql/data"
    for name in SERVICES:
        for source in _named_volume_mounts(name):
            assert source in declared, f"{name} mounts undeclared volume {source}"


def test_beat_schedule_lives_on_a_named_volume():
    schedule = _option(_argv("beat"), "--schedule", "-s")
    assert schedule, "beat has no --schedule file"
    mounts = _named_volume_mounts("beat")
    assert any(schedule.startswith(target.rstrip("/") + "/") for target in mounts.values()), (
        f"{schedule} is not on a named volume: {mounts}"
    )


@pytest.mark.parametrize("service", sorted(BACKING_PORTS))
def test_backing_services_publish_no_ports(service):
    assert not SERVICES[service].get("ports"), f"{service} must not publish ports to the host"
    assert SERVICES[service].get("network_mode") != "host"


def test_only_web_publishes_a_port():
    publishing = {name for name, svc in SERVICES.items() if svc.get("ports")}
    assert publishing == {"web"}
    for port in SERVICES["web"]["ports"]:
        container = str(port).rsplit(":", 1)[-1] if not isinstance(port, dict) else port["target"]
        assert str(container).split("/")[0] == "8000"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_wait_for_healthy_backends_and_migrations(service):
    depends = SERVICES[service]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["migrate"]["condition"] == "service_completed_successfully"


def test_dependencies_are_consistent():
    for name, svc in SERVICES.items():
        depends = svc.get("depends_on") or {}
        if isinstance(depends, list):
            depends = {d: {"condition": "service_started"} for d in depends}
        for target, spec in depends.items():
            assert target in SERVICES, f"{name} depends on unknown {target}"
            if spec["condition"] == "service_healthy":
                assert SERVICES[target].get("healthcheck"), f"{target} has no healthcheck"


def test_migrate_is_a_one_shot_job():
    migrate = SERVICES["migrate"]
    assert _argv("migrate") == ["custos", "migrate", "--noinput"]
    assert migrate.get("restart", "no") == "no"
    assert "healthcheck" not in migrate
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", (*APP_SERVICES, "migrate"))
def test_app_services_build_the_project_image(service):
    build = SERVICES[service]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE


@pytest.mark.parametrize("service", (*APP_SERVICES, "migrate"))
def test_app_services_environment(service):
    env = SERVICES[service]["environment"]
    assert isinstance(env, dict)
    assert re.fullmatch(
        r"postgres://custos:\$\{[A-Z_]+:\?[^}]*\}@postgres:5432/custos", env["DATABASE_URL"]
    )
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    # The secret key is never written in the file: compose refuses to start without it.
    assert re.fullmatch(r"\$\{CUSTOS_SECRET_KEY:\?[^}]+\}", env["CUSTOS_SECRET_KEY"])
    assert env.get("CUSTOS_UNIT")
    password_var = re.search(r"\$\{([A-Z_]+)", env["DATABASE_URL"]).group(1)
    assert password_var in SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_no_secret_is_written_in_the_file():
    for name, svc in SERVICES.items():
        env = svc.get("environment") or {}
        for key, value in env.items():
            if any(word in key for word in ("SECRET", "PASSWORD")):
                assert str(value).startswith("${"), f"{name}.{key} is a literal"


# --- every command is one the project really has -----------------------------------------


@pytest.fixture(scope="module")
def console_scripts() -> dict[str, str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["project"]["scripts"]


def _check_custos(argv: list[str], console_scripts: dict[str, str]) -> None:
    from django.core.management import get_commands

    assert "custos" in console_scripts, "pyproject.toml declares no `custos` console script"
    module_name, _, attr = console_scripts["custos"].partition(":")
    assert callable(getattr(importlib.import_module(module_name), attr))
    assert len(argv) > 1, "custos needs a management command"
    assert argv[1] in get_commands(), f"`custos {argv[1]}` is not a management command"


def _check_gunicorn(argv: list[str]) -> None:
    importlib.import_module("gunicorn")
    target = next(arg for arg in argv[1:] if not arg.startswith("-") and ":" in arg)
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attr)), f"{target} is not a WSGI callable"
    bind = _option(argv, "--bind", "-b")
    assert bind and bind.endswith(":8000") and not bind.startswith("127."), bind


def _check_celery(argv: list[str]) -> None:
    from celery import Celery
    from celery.app.utils import find_app

    name = _option(argv, "-A", "--app")
    assert name, "celery without -A"
    module = importlib.import_module(name.partition(":")[0])
    assert isinstance(getattr(module, "app", None), Celery), f"{name} has no Celery `app`"
    app = find_app(name)  # how `celery -A` itself resolves it
    assert isinstance(app, Celery)
    if "worker" in argv:
        queues = set((_option(argv, "--queues", "-Q") or "").split(","))
        default_queue = app.conf.task_default_queue or "celery"
        assert default_queue in queues, f"worker does not consume the default queue {default_queue}"
        routes = app.conf.task_routes
        if isinstance(routes, dict):
            for route in routes.values():
                queue = route.get("queue") if isinstance(route, dict) else route
                if isinstance(queue, str):
                    assert queue in queues, f"tasks are routed to {queue}, which no worker consumes"
    else:
        assert "beat" in argv


COMMAND_CHECKS = {
    "custos": _check_custos,
    "gunicorn": _check_gunicorn,
    "celery": _check_celery,
}


@pytest.mark.parametrize("service", (*APP_SERVICES, "migrate"))
def test_service_command_exists_in_the_project(service, console_scripts):
    argv = _argv(service)
    program = argv[0]
    assert program in COMMAND_CHECKS, f"{service} runs {program}, which nothing here checks"
    check = COMMAND_CHECKS[program]
    if program == "custos":
        check(argv, console_scripts)
    else:
        check(argv)


def test_expected_commands():
    assert _argv("web")[:2] == ["gunicorn", "backend.wsgi:application"]
    assert _argv("worker")[:4] == ["celery", "-A", "worker.app", "worker"]
    assert _argv("beat")[:4] == ["celery", "-A", "worker.app", "beat"]


# --- the Dockerfile -----------------------------------------------------------------------


def test_dockerfile_installs_from_the_lock_file():
    assert DOCKERFILE.is_file()
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    assert any(re.match(r"FROM python:3\.1[1-9]", line) for line in lines)
    assert any(line.startswith("COPY") and "requirements.lock" in line for line in lines)
    assert "pip install -r requirements.lock" in text
    assert "pip install --no-deps ." in text
    assert (ROOT / "requirements.lock").is_file()
    # The labels' CJK font is a Python package the lock pins, so the image needs no
    # system font (labels/fonts.py reads only that file).
    assert re.search(r"^manimgx-fonts-cjk==", (ROOT / "requirements.lock").read_text(), re.M)


def test_dockerfile_copies_every_package():
    text = DOCKERFILE.read_text(encoding="utf-8")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert re.search(rf"^COPY .*\b{package}\b", text, re.M), f"{package}/ is not copied"


def test_keys_and_backups_live_on_volumes_every_app_service_shares():
    """The signing and sealing keys must outlive a container (a lost key makes every backup
    unreadable and every later statement unverifiable against the old public keys), and
    beat's backups run in the worker: web, worker and beat mount the same two volumes."""
    for name in ("web", "worker", "beat"):
        service = SERVICES[name]
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
        env = service["environment"]
        assert mounts[env["CUSTOS_KEY_DIR"]] == "custos-keys", name
        assert mounts[env["CUSTOS_BACKUP_DIR"]] == "custos-backups", name
    assert {"custos-keys", "custos-backups"} <= set(COMPOSE["volumes"])
