"""tools/verify_statement.py: an auditor checks a statement without Custos."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection

from backend.custody.statements import Statement, checkpoint_heads, checkpoint_sign, document

pytestmark = pytest.mark.django_db

TOOL = Path(__file__).resolve().parents[2] / "tools" / "verify_statement.py"


@pytest.fixture
def published(settings: Any, tmp_path: Path, make_carrier: Any) -> tuple[Statement, Path]:
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"
    for _ in range(5):
        make_carrier()
    statement = Statement.of(checkpoint_sign())
    path = tmp_path / "full.json"
    path.write_text("".join(document(statement, checkpoint_heads(statement.id))))
    return statement, path


def tool(*args: Path | str, keys: Path) -> tuple[int, str]:
    pubs = [a for p in sorted(keys.glob("*.pub")) for a in ("--key", str(p))]
    done = subprocess.run(
        [sys.executable, str(TOOL), *map(str, args), *pubs], capture_output=True, text=True
    )
    return done.returncode, done.stdout + done.stderr


def ledger_csv(path: Path) -> Path:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.code, e.seq, e.hash FROM custody_event e "
            "JOIN registry_carrier c ON c.id = e.carrier_id"
        )
        with path.open("w", newline="") as f:
            csv.writer(f).writerows(cursor.fetchall())
    return path


def test_it_accepts_an_authentic_statement_in_both_forms(
    published: tuple[Statement, Path], tmp_path: Path
) -> None:
    statement, full = published
    code, out = tool(full, "--ledger", ledger_csv(tmp_path / "ledger.csv"), keys=tmp_path / "keys")
    assert (code, out) == (0, f"authentic: checkpoint 1 of XZ at {statement.at}\n")
    line = tmp_path / "line.txt"
    line.write_text(statement.text())
    assert tool(line, keys=tmp_path / "keys")[0] == 0


def test_it_refuses_a_changed_byte_and_an_unknown_key(
    published: tuple[Statement, Path], tmp_path: Path
) -> None:
    _statement, full = published
    data = bytearray(full.read_bytes())
    data[len(data) // 2] ^= 0x02
    bad = tmp_path / "bad.json"
    bad.write_bytes(bytes(data))
    assert tool(bad, keys=tmp_path / "keys")[0] == 2
    other = tmp_path / "other"
    other.mkdir()
    (other / "other.pub").write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    code, out = tool(full, keys=other)
    assert code == 2 and "unknown key" in out


def test_it_names_a_carrier_whose_published_head_the_ledger_no_longer_holds(
    published: tuple[Statement, Path], tmp_path: Path
) -> None:
    _statement, full = published
    rows = list(csv.reader(ledger_csv(tmp_path / "ledger.csv").open()))
    gone = rows.pop(2)
    with (tmp_path / "cut.csv").open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    code, out = tool(full, "--ledger", tmp_path / "cut.csv", keys=tmp_path / "keys")
    assert code == 1 and out.splitlines()[1:] == [
        f"CHANGED {gone[0]}: its event seq {gone[1]} is gone or changed"
    ]
