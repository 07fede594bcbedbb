"""Must show (issue 16): a 清退 campaign over 500 carriers and 30 holders, the returns
scanned into ``custos-scan``'s spool while the server is down, delivered when it is back.

Against the real server (gunicorn on a fresh PostgreSQL database: the scanner tests'
session server, tests/scanners/live_server.py, so the suite starts it once):
the carriers come in through ``custos import`` (one CSV, one transaction), the holders
through ``POST /people``, the checkouts as one batch of device scans. Then the campaign is
opened over the carriers' issue dates, the server is killed, 500 returns are spooled (one
typed through ``custos-scan enqueue``), ``custos-scan sync`` fails while the server
is down and delivers everything once it is restarted. Each return is in the ledger once,
each campaign row names its return's seq, a replay of the whole spool records nothing, and
the campaign has closed at 100 %.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from scanners.flow import build_scans
from scanners.spool import Spool
from tests.scanners.conftest import server  # noqa: F401 - the scanner tests' live server
from tests.scanners.live_server import CLERK, DESK, ROOT, LiveServer, full

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

CARRIERS, HOLDERS = 500, 30
ISSUED = "2001-02-03"  # the campaign chooses these carriers by their issue date


def _scan_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scanners", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _seed(live: LiveServer, var: Path) -> tuple[list[str], list[str]]:
    """500 carriers in the register, checked out round-robin to 30 holders."""
    tokens = {
        line.split("\t")[0]: line.split("\t")[2].strip()
        for line in (live.var / "demo-tokens.txt").read_text().splitlines()
        if line.strip()
    }
    with live.api(tokens[full("P-ADMIN1")]) as admin:
        holders = []
        for n in range(HOLDERS):
            made = admin.post(
                "/people", json={"name": f"持有人 {n:02d}", "clearance": "secret", "roles": []}
            )
            assert made.status_code == 201, made.text
            holders.append(made.json()["code"])
    register = var / "carriers.csv"
    with register.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["编号", "名称", "载体形式", "制发日", "密级", "保密期限", "定密依据",
                         "知悉范围", "份数/份号", "承办人", "定密责任人", "审批意见与日期",
                         "状态", "保管人", "存放位置"])  # fmt: skip
        for n in range(CARRIERS):
            writer.writerow(["", f"清退文件 {n}", "纸介质", ISSUED, "秘密", "10年", "", "", "",
                             "", "", "", "", CLERK, DESK])  # fmt: skip
    live.custos("import", str(register), "--as", full("P-REG1"))
    with psycopg.connect(live.env["DATABASE_URL"]) as conn:
        codes = [
            row[0]
            for row in conn.execute(
                "SELECT code FROM registry_carrier WHERE issued_on = %s ORDER BY code", [ISSUED]
            )
        ]
    assert len(codes) == CARRIERS
    due = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    scans = [
        {"id": str(s.id), "action": "checkout", "carrier": s.carrier, "actor": CLERK,
         "counterpart": holders[n % HOLDERS], "location": DESK, "due_at": due}
        for n, s in enumerate(build_scans(action="store", carriers=codes, actor=CLERK))
    ]  # fmt: skip
    with live.api(live.device_token) as desk:
        results = desk.post("/scans", json={"scans": scans}).json()["results"]
    assert [r["status"] for r in results] == ["recorded"] * CARRIERS, results[0]
    return codes, holders


def test_a_campaign_of_500_returns_spooled_through_an_outage_closes_at_100_percent(
    server: LiveServer,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    live = server
    codes, holders = _seed(live, tmp_path)
    deadline = (datetime.now(UTC) + timedelta(days=14)).isoformat()
    with live.api(live.committee_token) as committee:
        opened = committee.post(
            "/campaigns",
            json={"title": "2026 年度清退", "deadline": deadline,
                  "registered_from": ISSUED, "registered_to": ISSUED},
        )  # fmt: skip
        assert opened.status_code == 201, opened.text
        campaign = opened.json()
        assert (campaign["carriers"], campaign["holders"]) == (CARRIERS, HOLDERS)
        assert {h["total"] for h in campaign["by_holder"]} == {16, 17}  # 500 over 30

    spool_path = tmp_path / "spool.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTOS_")}
    env.update(
        PYTHONPATH=str(ROOT),
        CUSTOS_SERVER=live.url,
        CUSTOS_TOKEN=live.device_token,
        CUSTOS_SPOOL=str(spool_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    live.kill()  # the server is down for the whole return day
    try:
        order = random.Random(16).sample(codes, len(codes))
        typed = _scan_cli(env, "enqueue", "--action", "return", "--carrier", order[0],
                          "--actor", CLERK, "--location", DESK)  # fmt: skip
        assert typed.returncode == 0, typed.stderr  # one typed at the terminal
        with Spool(spool_path) as spool:  # the rest as the desk flow spools them
            for start in range(1, len(order), 50):
                spool.enqueue(
                    build_scans(
                        action="return",
                        carriers=order[start : start + 50],
                        actor=CLERK,
                        location=DESK,
                    )
                )
            assert spool.counts()["waiting"] == CARRIERS
        offline = _scan_cli(env, "sync")
        assert offline.returncode == 1, offline.stdout + offline.stderr
    finally:
        live.start()
    delivered = _scan_cli(env, "sync")
    assert delivered.returncode == 0, delivered.stdout + delivered.stderr
    with Spool(spool_path) as spool:
        assert spool.counts() == {"waiting": 0, "sent": CARRIERS, "refused": 0}
        spooled = [(scan_id, code) for scan_id, code, _ in spool.ids_in_order()]

    with live.api(live.device_token) as desk:  # the whole spool again: nothing new
        replay = [{"id": i, "action": "return", "carrier": c, "actor": CLERK, "location": DESK}
                  for i, c in spooled]  # fmt: skip
        again = desk.post("/scans", json={"scans": replay}).json()["results"]
        assert {r["status"] for r in again} == {"duplicate"}

    with psycopg.connect(live.env["DATABASE_URL"]) as conn:
        returns = dict(
            conn.execute(
                "SELECT c.code, count(*) FROM custody_event e JOIN registry_carrier c "
                "ON c.id = e.carrier_id WHERE e.action = 'return' AND c.issued_on = %s "
                "GROUP BY c.code",
                [ISSUED],
            ).fetchall()
        )
        assert returns == dict.fromkeys(codes, 1)
        mismatched = conn.execute(
            "SELECT count(*) FROM campaigns_campaigncarrier r JOIN custody_event e "
            "ON e.id = r.return_event WHERE r.campaign_id = %s AND (e.seq <> r.return_seq "
            "OR e.action <> 'return' OR e.carrier_id <> r.carrier_id)",
            [campaign["id"]],
        ).fetchone()
        assert mismatched == (0,)
    with live.api(live.committee_token) as committee:
        final = committee.get(f"/campaigns/{campaign['id']}").json()
    assert (final["status"], final["returned"], final["percent"]) == ("closed", CARRIERS, 100.0)
    assert len(final["by_holder"]) == HOLDERS
    assert all(h["returned"] == h["total"] and not h["outstanding"] for h in final["by_holder"])
    assert {h["holder"] for h in final["by_holder"]} == set(holders)
