"""``custos-scan`` as a desk uses it: enqueue, status, sync's exit codes, run, run --serial."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from labels.codes import Kind
from scanners.spool import Spool
from tests.scanners.conftest import ROOT, cli_env, code, run_cli

CLERK, READER = code(Kind.PERSON), code(Kind.PERSON)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_enqueue_writes_one_scan_per_carrier_and_prints_the_ids(spool_path: Path) -> None:
    env = cli_env(spool_path, CUSTOS_LOCATION="L-SAFE-AF")
    c1, c2 = code(), code()
    done = run_cli(
        "enqueue", "--action", "checkout", "--carrier", c1, "--carrier", c2.lower(),
        "--actor", CLERK, "--counterpart", READER, "--due-at", "2031-01-02T09:00",
        env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.split()) == 2
    status = run_cli("status", "--json", env=env)
    assert json.loads(status.stdout) == {"waiting": 2, "sent": 0, "refused": 0}


def test_enqueue_refuses_a_bad_code_with_exit_2_and_writes_nothing(spool_path: Path) -> None:
    env = cli_env(spool_path)
    bad = run_cli(
        "enqueue", "--action", "store", "--carrier", "CXZ-00000001X", "--actor", CLERK, env=env
    )
    assert bad.returncode == 2
    assert "校验位错误" in bad.stderr and "check character" in bad.stderr
    wrong_kind = run_cli("enqueue", "--action", "store", "--carrier", CLERK, "--actor", CLERK,
                         env=env)  # fmt: skip
    assert wrong_kind.returncode == 2
    assert json.loads(run_cli("status", "--json", env=env).stdout)["waiting"] == 0


def test_enqueue_install_storage_names_its_device_with_host(spool_path: Path) -> None:
    env = cli_env(spool_path)
    disk, pc = code(), code()
    base = ("enqueue", "--action", "install_storage", "--carrier", disk, "--actor", CLERK)
    missing = run_cli(*base, env=env)
    assert missing.returncode == 2 and "host" in missing.stderr
    done = run_cli(*base, "--host", pc.lower(), env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(run_cli("status", "--json", env=env).stdout)["waiting"] == 1


def test_sync_exits_1_while_the_server_is_unreachable_and_keeps_the_scans(
    spool_path: Path,
) -> None:
    env = cli_env(spool_path, CUSTOS_SERVER=f"http://127.0.0.1:{closed_port()}", CUSTOS_TOKEN="t")
    run_cli("enqueue", "--action", "store", "--carrier", code(), "--actor", CLERK, env=env)
    started = time.monotonic()
    done = run_cli("sync", "--retry-for", "1", env=env)
    assert done.returncode == 1 and "unreachable" in done.stderr
    assert time.monotonic() - started < 15
    assert json.loads(run_cli("status", "--json", env=env).stdout)["waiting"] == 1


def test_sync_with_nothing_waiting_exits_0_even_without_a_server(spool_path: Path) -> None:
    env = cli_env(spool_path, CUSTOS_SERVER=f"http://127.0.0.1:{closed_port()}", CUSTOS_TOKEN="t")
    assert run_cli("sync", env=env).returncode == 0


def test_sync_without_a_token_says_so(spool_path: Path) -> None:
    done = run_cli("sync", env=cli_env(spool_path))
    assert done.returncode == 3 and "CUSTOS_TOKEN" in done.stderr


def test_run_takes_a_whole_handover_from_the_terminal(spool_path: Path) -> None:
    env = cli_env(spool_path, CUSTOS_LOCATION="L-SAFE-AF")
    c1 = code()
    lines = [CLERK, "transfer", c1, "", READER, "", "q"]
    done = run_cli("run", "--no-sync", env=env, stdin="\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr
    assert "1 scan(s) written to the spool" in done.stdout
    assert json.loads(run_cli("status", "--json", env=env).stdout)["waiting"] == 1


def test_run_reads_codes_from_a_serial_scanner(spool_path: Path) -> None:
    master, slave = os.openpty()
    env = cli_env(spool_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "scanners", "run", "--no-sync", "--serial", os.ttyname(slave)],
        env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdin is not None
        time.sleep(1.0)  # let it open the port
        c1 = code()
        for raw in (f"\xff]C0{CLERK}\r\n", "]C0", f"{c1}\r\n"):  # a half line in between
            os.write(master, raw.encode("latin-1"))
            time.sleep(0.2)
        proc.stdin.write("store\n")  # the action is typed, not scanned
        proc.stdin.flush()
        time.sleep(0.5)
        os.write(master, f"]C0{c1}\r\n".encode())
        time.sleep(0.5)
        proc.stdin.write("\n\n")  # end of carriers, confirm
        proc.stdin.flush()
        time.sleep(0.5)
        proc.stdin.write("q\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
        os.close(master)
        os.close(slave)
    assert "1 scan(s) written to the spool" in out, out + err
    scans = run_cli("status", "--json", env=env)
    assert json.loads(scans.stdout)["waiting"] == 1


def test_enqueue_sends_carry_out_with_its_request_and_refuses_it_without(
    spool_path: Path,
) -> None:
    env = cli_env(spool_path)
    carrier = code()
    bare = run_cli("enqueue", "--action", "carry_out", "--carrier", carrier, "--actor", CLERK,
                   env=env)  # fmt: skip
    assert bare.returncode == 2 and "--carry-out" in bare.stderr
    done = run_cli("enqueue", "--action", "carry_out", "--carrier", carrier, "--actor", CLERK,
                   "--carry-out", "7", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with Spool(spool_path) as spool:
        (pending,) = spool.waiting()
    body = json.loads(pending.body)
    assert (body["action"], body["carrier"], body["carry_out"]) == ("carry_out", carrier, 7)
