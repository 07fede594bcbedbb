"""The real Custos server, run as production runs it (gunicorn), for the fault tests.

Not a stand-in: migrate, demo data, a device token from ``custos token create``, and
gunicorn serving ``backend.wsgi`` — on a fresh database (a new PostgreSQL database when
``DATABASE_URL`` names a PostgreSQL server, else an SQLite file), so it can be killed and
restarted at will without touching anyone's data.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx

from labels.codes import check_character

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


# The actions a desk scans (CONTRACT.md); a carrier's chain also holds its registration
# and its 定密 steps (review, classify …), which no scanner sent.
SCAN_ACTIONS = frozenset(
    [
        "store",
        "checkout",
        "return",
        "transfer",
        "dispatch",
        "receive",
        "repair_out",
        "repair_in",
        "destroy_request",
        "destroy_approve",
        "destroy_witness",
        "destroy",
        "inventory",
        "report_lost",
        "found",
    ]
)


def full(code: str) -> str:
    return code + check_character(code)


DESK, CLERK, READER = full("L-DESK-1"), full("P-CLERK1"), full("P-CLERK2")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh_database(var: Path, base: str) -> tuple[str, str | None]:
    """(DATABASE_URL, name of a PostgreSQL database to drop afterwards or None)."""
    if not base.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{var}/custos.sqlite3", None
    import psycopg

    name = f"custos_scan_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_maintenance(base), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, _ = base.partition("?")[0].rpartition("/")
    return f"{head}/{name}", name


def _maintenance(url: str) -> str:
    """The same server's ``postgres`` database: the one named in the URL may not exist."""
    head, _, _ = url.partition("?")[0].rpartition("/")
    return f"{head}/postgres"


class LiveServer:
    def __init__(self, var: Path, *, workers: int = 2, database_url: str | None = None) -> None:
        self.var = var
        self._base_url = database_url or os.environ.get("DATABASE_URL", "")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        database_url, self._drop = _fresh_database(var, self._base_url)
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CUSTOS_VAR_DIR": str(var),
            "CUSTOS_SECRET_KEY": "scanner-fault-tests",
            "PYTHONPATH": str(ROOT),
            "CUSTOS_LOG_LEVEL": "WARNING",
        }
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = (var / "gunicorn.log").open("ab")

    def custos(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "custos"), *args],
            env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"custos {' '.join(args)}: {done.stdout}\n{done.stderr}")
        return done.stdout

    def prepare(self) -> None:
        self.custos("migrate", "--no-input")
        self.custos("demo")
        self.device_token = (
            self.custos("token", "create", "--device", "scan-fault-test", "--location", DESK)
            .strip()
            .splitlines()[-1]
        )
        tokens = {
            line.split("\t")[0]: line.split("\t")[2].strip()
            for line in (self.var / "demo-tokens.txt").read_text().splitlines()
            if line.strip()
        }
        self.registrar_token = tokens[full("P-REG1")]
        self.reviewer_token = tokens[full("P-APPR2")]
        self.approver_token = tokens[full("P-APPR1")]
        self.committee_token = tokens[full("P-COMM1")]

    def start(self, *, wait: bool = True) -> None:
        self._proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"), "backend.wsgi:application",
                "-b", f"127.0.0.1:{self.port}", "-w", str(self.workers), "--timeout", "120",
            ],
            env=self.env, cwd=ROOT, stdout=self._log, stderr=self._log,
            start_new_session=True,  # its own process group: kill takes the workers too
        )  # fmt: skip
        if wait:
            self.wait_healthy()

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not come up; see {self.var / 'gunicorn.log'}")

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: a crash, not a shutdown."""
        if self._proc is not None:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()
            self._proc = None

    def close(self) -> None:
        self.kill()
        self._log.close()
        if self._drop:
            import psycopg

            with psycopg.connect(_maintenance(self._base_url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self._drop}" WITH (FORCE)')

    def api(self, token: str) -> httpx.Client:
        return httpx.Client(
            base_url=f"{self.url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )

    def register_carriers(self, n: int) -> list[str]:
        body = {
            "title": "fault test",
            "form": "paper",
            "level": "confidential",
            "period": {"years": 1},
            "basis": "test",
            "custodian": CLERK,
            "location": DESK,
        }
        # The 定密 steps of CONTRACT.md: proposed by the registrar, reviewed by one approver,
        # approved by another; only then may the carrier be handed over.
        out = []
        with (
            self.api(self.registrar_token) as registrar,
            self.api(self.reviewer_token) as reviewer,
            self.api(self.approver_token) as approver,
        ):
            for _ in range(n):
                response = registrar.post("/carriers", json=body)
                response.raise_for_status()
                code = response.json()["code"]
                for api, decision in ((reviewer, "review"), (approver, "approve")):
                    step = api.post(
                        f"/carriers/{code}/decision",
                        json={"decision": decision, "opinion": "同意 agreed"},
                    )
                    step.raise_for_status()
                out.append(code)
        return out
