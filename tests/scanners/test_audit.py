"""scanners/audit.py and the receipts in the spool: a desk names what the ledger lost.

The server is the real Django application in this process (its test database, so the
insider can tamper with it), reached through httpx as the client reaches any server.
"""

from __future__ import annotations

import sqlite3
from io import StringIO
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.test import Client

from backend.registry.models import Carrier
from scanners import cli
from scanners.audit import receipts_audit
from scanners.config import Settings
from scanners.sender import Sender
from scanners.spool import Spool, new_scan
from tests.custody.test_insider import erase, insider, rechain, sql

pytestmark = pytest.mark.django_db

SERVER = "http://127.0.0.1"


class DjangoTransport(httpx.BaseTransport):
    """httpx requests answered by the Django application under test."""

    def __init__(self) -> None:
        self.client = Client()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items()}
        headers.pop("HTTP_CONTENT_TYPE", None)
        answer = self.client.generic(
            request.method,
            request.url.path,
            request.read(),
            content_type=request.headers.get("content-type", ""),
            **headers,
        )
        return httpx.Response(answer.status_code, content=answer.content)


@pytest.fixture
def http() -> httpx.Client:
    return httpx.Client(transport=DjangoTransport())


@pytest.fixture
def desk(tmp_path: Path, api_as: Any, unit: Any, make_carrier: Any) -> dict[str, Any]:
    """A desk that recorded three scans on two carriers and kept their receipts."""
    token = api_as(unit.clerk).headers["HTTP_AUTHORIZATION"].removeprefix("Bearer ")
    target, other = make_carrier(), make_carrier()
    path = tmp_path / "spool.sqlite3"
    scans = [
        new_scan(
            action="checkout",
            carrier=target.code,
            actor=unit.clerk.code,
            counterpart=unit.reader.code,
        ),
        new_scan(
            action="checkout",
            carrier=other.code,
            actor=unit.clerk.code,
            counterpart=unit.reader.code,
        ),
        new_scan(action="return", carrier=target.code, actor=unit.clerk.code),
    ]
    with Spool(path) as spool:
        for s in scans:
            spool.enqueue([s])
        authed = httpx.Client(
            transport=DjangoTransport(), headers={"Authorization": f"Bearer {token}"}
        )
        sender = Sender(spool, server=SERVER, token=token, client=authed)
        report = sender.drain(retry_for=0)
        assert report.recorded == 3
        kept = spool.receipts()
    return {"path": path, "token": token, "target": target, "scans": scans, "kept": kept}


def test_the_spool_keeps_each_recorded_scans_receipt(desk: dict[str, Any]) -> None:
    target = desk["target"]
    assert [(r.id, r.carrier, r.seq) for r in desk["kept"]] == [
        (desk["scans"][0].id, target.code, 2),
        (desk["scans"][1].id, desk["scans"][1].carrier, 2),
        (desk["scans"][2].id, target.code, 3),
    ]
    assert desk["kept"][2].hash == target.events.get(seq=3).hash


def test_a_spool_from_before_receipts_gains_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE scans (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
        " carrier TEXT NOT NULL, action TEXT NOT NULL, body TEXT NOT NULL,"
        " state TEXT NOT NULL DEFAULT 'waiting', status TEXT, error_code TEXT,"
        " error_message TEXT, enqueued_at TEXT NOT NULL, answered_at TEXT,"
        " seen INTEGER NOT NULL DEFAULT 0);"
        "INSERT INTO scans (id, carrier, action, body, state, enqueued_at)"
        " VALUES ('a', 'C1', 'store', '{}', 'sent', 'now');"
    )
    old.commit()
    old.close()
    with Spool(path) as spool, Spool(path) as second:
        assert spool.counts()["sent"] == 1 and second.receipts() == []


def audit(desk: dict[str, Any], http: httpx.Client) -> Any:
    with Spool(desk["path"]) as spool:
        return receipts_audit(spool.receipts(), server=SERVER, token=desk["token"], client=http)


def test_an_intact_ledger_holds_every_receipt(desk: dict[str, Any], http: httpx.Client) -> None:
    report = audit(desk, http)
    assert (report.checked, report.held, report.not_held) == (3, 3, [])


def test_an_erased_carrier_is_named_with_each_scan_id(
    desk: dict[str, Any], http: httpx.Client
) -> None:

    target = desk["target"]
    with insider():
        erase(Carrier, [target.pk])
    report = audit(desk, http)
    assert [(n.carrier, n.id, n.status) for n in report.not_held] == [
        (target.code, desk["scans"][0].id, "missing"),
        (target.code, desk["scans"][2].id, "missing"),
    ]


def test_a_truncated_chain_is_named(desk: dict[str, Any], http: httpx.Client) -> None:
    target = desk["target"]
    with insider():
        sql("DELETE FROM custody_event WHERE carrier_id = %s AND seq = 3", target.pk)
        sql(
            "UPDATE registry_carrier SET seq = 2, head_hash = %s WHERE id = %s",
            target.events.get(seq=2).hash,
            target.pk,
        )
    report = audit(desk, http)
    assert [(n.carrier, n.id) for n in report.not_held] == [(target.code, desk["scans"][2].id)]


def test_the_audit_command_exits_4_naming_a_rewritten_carrier_and_scan(
    desk: dict[str, Any], http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = desk["target"]
    with insider():
        sql("UPDATE custody_event SET late = %s WHERE carrier_id = %s AND seq = 2", True, target.pk)
        rechain(target, from_seq=2)
    settings = Settings(server=SERVER, token=desk["token"], spool=desk["path"])
    monkeypatch.setattr(
        cli, "receipts_audit", lambda receipts, **kw: receipts_audit(receipts, **kw, client=http)
    )
    out = StringIO()
    monkeypatch.setattr("sys.stdout", out)
    code = cli.cmd_audit(cli._parser().parse_args(["audit"]), settings)
    lines = out.getvalue().splitlines()
    assert code == 4
    # The reason is the server's sentence, in the server's language.
    assert [line.partition(":")[0] for line in lines[:2]] == [
        f"NOT HELD {target.code} {desk['scans'][0].id} seq 2 changed",
        f"NOT HELD {target.code} {desk['scans'][2].id} seq 3 changed",
    ]
    assert all(line.partition(": ")[2] for line in lines[:2])
    assert len(lines) == 3 and "3" in lines[2]
