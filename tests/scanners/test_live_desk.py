"""The desk client against the real server: refusals kept and shown, a poison scan
isolated, a bad token named, the interactive desk delivering in the background."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scanners.flow import build_scans
from scanners.spool import Spool, new_scan
from tests.scanners.conftest import cli_env, run_cli
from tests.scanners.live_server import CLERK, DESK, READER, SCAN_ACTIONS, LiveServer, full

pytestmark = pytest.mark.slow
REGISTRAR = full("P-REG1")  # cleared, but on no meeting's list


def env_for(server: LiveServer, spool_path: Path, token: str | None = None) -> dict[str, str]:
    return cli_env(
        spool_path,
        CUSTOS_SERVER=server.url,
        CUSTOS_TOKEN=token or server.device_token,
        CUSTOS_LOCATION=DESK,
    )


def test_a_refused_scan_is_kept_with_the_servers_reason_and_rings(
    server: LiveServer, spool_path: Path
) -> None:
    (carrier,) = server.register_carriers(1)
    env = env_for(server, spool_path)
    run_cli("enqueue", "--action", "return", "--carrier", carrier, "--actor", CLERK, env=env)
    run_cli("enqueue", "--action", "store", "--carrier", carrier, "--actor", CLERK, env=env)
    done = run_cli("sync", env=env)
    assert done.returncode == 0, done.stderr  # nothing waits: a refusal is an answer
    assert "\a" in done.stderr and "invalid_transition" in done.stderr
    assert json.loads(run_cli("status", "--json", env=env).stdout) == {
        "waiting": 0,
        "sent": 1,
        "refused": 1,
    }
    (refusal,) = json.loads(run_cli("refused", "--json", env=env).stdout)
    assert (refusal["action"], refusal["error"]["code"]) == ("return", "invalid_transition")


def test_a_scan_the_server_cannot_parse_is_isolated_and_the_rest_recorded(
    server: LiveServer, spool_path: Path
) -> None:
    carriers = server.register_carriers(3)
    with Spool(spool_path) as spool:
        good = build_scans(action="store", carriers=carriers, actor=CLERK, location=DESK)
        # As if written by a client that knew an action this server does not.
        poison = replace(new_scan(action="store", carrier=carriers[0], actor=CLERK), action="shred")
        spool.enqueue(good[:2])
        spool.enqueue([poison])
        spool.enqueue(good[2:])
    done = run_cli("sync", env=env_for(server, spool_path))
    assert done.returncode == 0, done.stderr
    with Spool(spool_path) as spool:
        assert spool.counts() == {"waiting": 0, "sent": 3, "refused": 1}
        (refusal,) = spool.refusals()
    assert refusal.id == poison.id and refusal.error_code in ("invalid", "422")


def test_a_bad_token_is_named_and_nothing_is_lost(server: LiveServer, spool_path: Path) -> None:
    (carrier,) = server.register_carriers(1)
    env = env_for(server, spool_path, token="cst_not_a_token")
    run_cli("enqueue", "--action", "store", "--carrier", carrier, "--actor", CLERK, env=env)
    done = run_cli("sync", env=env)
    assert done.returncode == 3 and "401" in done.stderr
    assert json.loads(run_cli("status", "--json", env=env).stdout)["waiting"] == 1


def test_the_desk_flow_delivers_a_handover_and_rings_on_a_refusal(
    server: LiveServer, spool_path: Path
) -> None:
    ok, destroyed = server.register_carriers(2)
    lines = [
        CLERK, "checkout", ok, "", READER, "",  # a checkout: recorded
        "destroy", destroyed, "", "",  # refused: a desk scanner cannot record destroy
        "q",
    ]  # fmt: skip
    done = run_cli("run", env=env_for(server, spool_path), stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout + done.stderr
    assert "\a" in out and "forbidden" in out  # docs/security.md: device location kinds
    with server.api(server.device_token) as api:
        events = api.get(f"/carriers/{ok}/events").json()
    assert [e["action"] for e in events if e["action"] in SCAN_ACTIONS] == ["checkout"]
    assert events[-1]["counterpart"] == READER


def test_enqueue_meeting_issues_a_copy_to_an_attendee_and_collects_it(
    server: LiveServer, spool_path: Path
) -> None:
    (copy,) = server.register_carriers(1)
    now = datetime.now(UTC)
    with server.api(server.registrar_token) as api:
        made = api.post(
            "/meetings",
            json={
                "title": "scanner meeting",
                "level": "confidential",
                "location": DESK,
                "starts_at": now.isoformat(),
                "ends_at": (now + timedelta(hours=2)).isoformat(),
                "attendees": [READER],
            },
        )
    assert made.status_code == 201, made.text
    meeting = str(made.json()["id"])
    env = env_for(server, spool_path)
    at = ("enqueue", "--carrier", copy, "--actor", CLERK, "--meeting", meeting)
    assert run_cli("enqueue", "--action", "store", "--carrier", copy, "--actor", CLERK,
                   "--meeting", meeting, env=env).returncode == 2  # fmt: skip
    for step in (
        ("--action", "checkout", "--counterpart", REGISTRAR),  # not on the list: refused
        ("--action", "checkout", "--counterpart", READER),
        ("--action", "return"),
    ):
        assert run_cli(*at, *step, env=env).returncode == 0
    done = run_cli("sync", env=env)
    assert done.returncode == 0, done.stderr
    (refusal,) = json.loads(run_cli("refused", "--json", env=env).stdout)
    assert refusal["error"]["code"] == "not_attendee"
    with server.api(server.registrar_token) as api:
        record = api.get(f"/meetings/{meeting}").json()
    assert (record["issued"], record["returned"], record["missing"]) == (1, 1, [])
    (attendee,) = record["attendees"]
    assert attendee["person"] == READER and attendee["copies"][0]["carrier"] == copy
