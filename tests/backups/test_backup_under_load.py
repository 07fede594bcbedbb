"""A backup taken while four desks keep posting scans to a real server holds every scan
acknowledged before it began, and restores into a fresh database whose ledger verifies."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.backups.procs import SEED, Client, custos, database, event_ids, server, shell_json
from tests.worker.procs import wait_for


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_backup_under_four_posting_desks_restores_every_scan_acknowledged_before_it(
    kind: str, tmp_path: Path
) -> None:
    keys, file = tmp_path / "keys", tmp_path / "live.cbk"
    with (
        database(kind, tmp_path, keys, "live") as live,
        database(kind, tmp_path, keys, "restored") as restored,
    ):
        migrated = custos(["migrate", "--noinput", "-v0"], live)
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        seeded = shell_json(f"exec(open({str(SEED)!r}).read())", live)
        with server(live, tmp_path / "serve.log") as base:
            clients = [
                Client(base, seeded["token"], seeded["carriers"][i::4], seeded["safe"])
                for i in range(4)
            ]
            for client in clients:
                client.start()
            assert wait_for(lambda: all(len(c.acked) >= 10 for c in clients), 120)
            began = time.monotonic()
            backup = custos(["backup", str(file)], live)
            ended = time.monotonic()
            time.sleep(0.5)
            for client in clients:
                client.stop.set()
            for client in clients:
                client.join(timeout=60)
        assert backup.returncode == 0, backup.stderr[-2000:]
        assert "涉密载体" in backup.stdout and "top_secret" in backup.stdout
        acked = [(t, scan) for c in clients for t, scan in c.acked]
        before = {scan for t, scan in acked if t < began}
        during = {scan for t, scan in acked if began <= t < ended}
        # A scan that lost a race is refused as `conflict` (and not acknowledged); nothing
        # else may go wrong.
        assert not [e for c in clients for e in c.errors if '"conflict"' not in e]
        # The desks really were posting while the backup ran.
        assert len(before) >= 40 and during

        done = custos(["restore", str(file)], restored)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "ledger intact" in done.stdout
        restored_ids = event_ids(restored)
        assert before <= restored_ids
        # One moment of the database: what it holds of the scans is what the live one held.
        assert restored_ids <= event_ids(live)
        verify = custos(["verify"], restored)
        assert verify.returncode == 0, verify.stdout
