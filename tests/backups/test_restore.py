"""`custos backup` and `custos restore` as an operator runs them: a spoiled or foreign file
is refused and writes nothing, a database that holds data is replaced only with
--replace, and a broken ledger still restores with its breaks named."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.backups.sealed import unseal
from tests.backups.procs import SEED, custos, database, event_ids, shell_json, table_count

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=KINDS)
def live(request: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A seeded live database of each kind and one backup of it."""
    tmp = tmp_path_factory.mktemp(f"live-{request.param}")
    keys = tmp / "keys"
    keys.mkdir()
    (keys / "checkpoint.pub").write_text("PUBLIC HALF\n")
    (keys / "checkpoint.key").write_text("PRIVATE HALF\n")
    with database(request.param, tmp, keys, "live") as env:
        assert custos(["migrate", "--noinput", "-v0"], env).returncode == 0
        seeded = shell_json(f"exec(open({str(SEED)!r}).read())", env)
        assert custos(["checkpoint"], env).returncode == 0
        backup = custos(["backup", str(tmp / "good.cbk")], env)
        assert backup.returncode == 0, backup.stderr
        yield {
            "kind": request.param,
            "tmp": tmp,
            "keys": keys,
            "env": env,
            "file": tmp / "good.cbk",
            "out": backup.stdout,
            "seeded": seeded,
        }


def spoil(source: Path, target: Path, how: str) -> Path:
    data = bytearray(source.read_bytes())
    if how == "truncated":
        data = data[:-1]
    elif how == "flipped":
        data[len(data) // 2] ^= 0x10
    elif how == "flipped_header":
        data[30] ^= 0x01
    target.write_bytes(bytes(data))
    return target


def test_the_backup_says_it_is_a_classified_carrier_and_keeps_no_private_key(
    live: dict[str, Any],
) -> None:
    assert "CLASSIFIED CARRIER 涉密载体" in live["out"] and "绝密" in live["out"]
    assert "checkpoint.pub" in live["out"]
    sealed = live["file"].read_bytes()
    assert b"PUBLIC HALF" not in sealed and "文件".encode() not in sealed  # nothing readable
    key = bytes.fromhex((live["keys"] / "backup.key").read_text().strip())
    with live["file"].open("rb") as src:
        plain = io.BytesIO(b"".join(unseal(src, key=key)))
    with tarfile.open(fileobj=plain) as archive:
        names = set(archive.getnames())
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert {"manifest.json", "keys/checkpoint.pub"} <= names
    assert not [n for n in names if "checkpoint.key" in n or "backup.key" in n]
    assert (manifest["checkpoints"], manifest["carriers"], manifest["level"]) == (
        1,
        12,
        "top_secret",
    )


@pytest.mark.parametrize("how", ["truncated", "flipped", "flipped_header"])
def test_a_spoiled_backup_is_refused_and_nothing_is_written(
    live: dict[str, Any], how: str, tmp_path: Path
) -> None:
    bad = spoil(live["file"], tmp_path / f"{how}.cbk", how)
    with database(live["kind"], tmp_path, live["keys"], "fresh") as fresh:
        before = table_count(fresh)
        done = custos(["restore", str(bad)], fresh)
        assert done.returncode == 2, done.stdout + done.stderr
        assert "restore refused" in done.stderr
        assert table_count(fresh) == before


def test_a_backup_sealed_with_another_units_key_is_refused(
    live: dict[str, Any], tmp_path: Path
) -> None:
    other_keys = tmp_path / "other-keys"
    other = {**live["env"], "CUSTOS_KEY_DIR": str(other_keys)}
    made = custos(["backup", str(tmp_path / "other.cbk")], other)
    assert made.returncode == 0, made.stderr
    with database(live["kind"], tmp_path, live["keys"], "fresh") as fresh:
        before = table_count(fresh)
        done = custos(["restore", str(tmp_path / "other.cbk")], fresh)
        assert done.returncode == 2 and "(foreign_key)" in done.stderr
        assert table_count(fresh) == before


def test_a_restore_needs_the_key_folder(live: dict[str, Any], tmp_path: Path) -> None:
    with database(live["kind"], tmp_path, tmp_path / "no-keys", "fresh") as fresh:
        before = table_count(fresh)
        done = custos(["restore", str(live["file"])], fresh)
        assert done.returncode == 2 and "(no_key)" in done.stderr
        assert table_count(fresh) == before
        assert not (tmp_path / "no-keys" / "backup.key").exists()


def test_restoring_over_data_needs_replace(live: dict[str, Any], tmp_path: Path) -> None:
    with database(live["kind"], tmp_path, live["keys"], "other") as other:
        assert custos(["migrate", "--noinput", "-v0"], other).returncode == 0
        shell_json(f"exec(open({str(SEED)!r}).read())", other)
        held = event_ids(other)
        refused = custos(["restore", str(live["file"])], other)
        assert refused.returncode == 3 and "--replace" in refused.stderr
        assert event_ids(other) == held
        replaced = custos(["restore", str(live["file"]), "--replace"], other)
        assert replaced.returncode == 0, replaced.stdout + replaced.stderr
        assert event_ids(other) == event_ids(live["env"])
        assert "1 checkpoints" in replaced.stdout
        assert custos(["verify"], other).returncode == 0


def test_a_broken_ledger_still_restores_with_its_breaks_named(
    live: dict[str, Any], tmp_path: Path
) -> None:
    if live["kind"] != "sqlite":
        pytest.skip("the ledger's triggers refuse the edit on PostgreSQL; one engine suffices")
    env = {**live["env"], "CUSTOS_VAR_DIR": str(tmp_path / "tampered")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'tampered.sqlite3'}"
    assert custos(["restore", str(live["file"])], env).returncode == 0
    victim = live["seeded"]["carriers"][3]
    with sqlite3.connect(tmp_path / "tampered.sqlite3") as db:
        # What an intruder with the database file would do first: drop the guard.
        for (trigger,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"):
            db.execute(f'DROP TRIGGER "{trigger}"')
        db.execute(
            "UPDATE custody_event SET action = 'destroy' WHERE seq = 1 AND carrier_id = "
            "(SELECT id FROM registry_carrier WHERE code = ?)",
            (victim,),
        )
    assert custos(["backup", str(tmp_path / "tampered.cbk")], env).returncode == 0
    with database("sqlite", tmp_path, live["keys"], "fresh") as fresh:
        done = custos(["restore", str(tmp_path / "tampered.cbk")], fresh)
        assert done.returncode == 1, done.stdout + done.stderr
        assert f"BROKEN {victim} seq 1" in done.stdout
        assert custos(["verify"], fresh).returncode == 1


def test_the_drill_holds_for_a_good_backup_and_fails_loudly_for_a_spoiled_one(
    live: dict[str, Any], tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    env = {**live["env"], "CUSTOS_BACKUP_DIR": str(folder)}
    (folder / "custos-20261201T023000Z.cbk").write_bytes(live["file"].read_bytes())
    held = custos(["drill"], env)
    assert held.returncode == 0, held.stdout + held.stderr
    assert "restored 已恢复: 12 carriers" in held.stdout and "drill held" in held.stdout

    spoil(live["file"], folder / "custos-20261202T023000Z.cbk", "flipped")  # now the latest
    failed = custos(["drill"], env)
    assert failed.returncode == 1 and "drill FAILED" in failed.stdout
    assert "(damaged)" in failed.stdout
    cases = shell_json(
        "import json; from backend.alerts.models import Alert; print(json.dumps(list("
        "Alert.objects.filter(kind='backup_failed').values_list('status', 'details__cause'))))",
        env,
    )
    assert cases == [["open", "drill"]]
