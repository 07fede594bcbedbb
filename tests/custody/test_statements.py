"""backend/custody/statements.py, merkle.py and signing.py: signed checkpoints."""

from __future__ import annotations

import hashlib
import json
import stat
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from backend.custody import merkle, signing
from backend.custody.models import SignedHead
from backend.custody.services import ScanIn, scans_ingest
from backend.custody.statements import (
    HeadLines,
    NotAuthentic,
    Statement,
    checkpoint_heads,
    checkpoint_sign,
    document,
    head_line,
    ledger_heads,
    statement_read,
)
from backend.errors import ServiceError
from backend.registry.principals import Principal


@pytest.fixture(autouse=True)
def keys(settings: Any, tmp_path: Path) -> Path:
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"
    return settings.CUSTOS_KEY_DIR


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 as written: the recursive definition the streaming builder must match."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


@given(st.integers(min_value=0, max_value=70))
def test_the_streamed_root_is_rfc_9162s_tree_hash(n: int) -> None:
    heads = [(f"C{i:04d}", i, f"{i:064x}") for i in range(n)]
    assert merkle.root_of(heads) == mth([merkle.leaf(*h) for h in heads]).hex()


def test_sm3_gives_another_root_and_an_unknown_hash_is_refused() -> None:
    heads = [("C1", 1, "a" * 64), ("C2", 2, "b" * 64)]
    assert merkle.root_of(heads, "sm3") != merkle.root_of(heads, "sha256")
    assert len(merkle.root_of(heads, "sm3")) == 64
    with pytest.raises(merkle.HashUnavailable, match="md5"):
        merkle.hasher("md5")


def test_the_private_key_is_a_0600_file_and_rotation_keeps_the_old_public_key(
    keys: Path,
) -> None:
    first, made = signing.signing_key_create()
    assert made and signing.signing_key_create() == (first, False)
    mode = stat.S_IMODE((keys / signing.PRIVATE_NAME).stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    second, old = signing.signing_key_rotate()
    assert old == first and second != first
    assert set(signing.public_keys()) == {first, second}
    assert sorted(p.name for p in keys.glob("*.pub")) == sorted(
        [f"checkpoint-{first}.pub", f"checkpoint-{second}.pub"]
    )


@pytest.mark.django_db
def test_a_checkpoint_commits_to_every_carrier_head_and_chains_to_the_one_before(
    make_carrier: Any, unit: Any
) -> None:
    carriers = [make_carrier() for _ in range(3)]
    first = Statement.of(checkpoint_sign())
    heads = list(ledger_heads())
    assert [h[0] for h in heads] == sorted(c.code for c in carriers)
    assert first.root == merkle.root_of(heads)
    assert (first.carriers, first.events, first.id) == (3, 3, 1)
    assert first.prev == "0" * 64 and first.authentic()

    [r] = scans_ingest(
        scans=[
            ScanIn(
                id=uuid.uuid4(),
                action="checkout",
                carrier=carriers[1].code,
                counterpart=unit.reader.code,
            )
        ],
        principal=Principal(person=unit.clerk),
    )
    assert r.status == "recorded"
    second = Statement.of(checkpoint_sign())
    assert (second.prev, second.events) == (first.root, 4)
    # Only the head that moved is kept again; both checkpoints' heads rebuild exactly.
    assert SignedHead.objects.filter(checkpoint_id=second.id).count() == 1
    assert merkle.root_of(checkpoint_heads(first.id)) == first.root
    assert merkle.root_of(checkpoint_heads(second.id)) == second.root


@pytest.mark.django_db
def test_a_statement_reads_back_from_json_and_from_its_text_form(make_carrier: Any) -> None:
    make_carrier()
    statement = Statement.of(checkpoint_sign())
    full = "".join(document(statement, checkpoint_heads(statement.id))).encode()
    read, heads = statement_read(full)
    assert read == statement and heads is not None and len(heads) == 1
    assert statement_read("".join(document(statement)).encode()) == (statement, None)
    assert statement_read(statement.text().encode()) == (statement, None)


@pytest.mark.django_db
def test_every_changed_byte_makes_a_statement_not_authentic(make_carrier: Any) -> None:
    make_carrier()
    statement = Statement.of(checkpoint_sign())
    for data in (
        "".join(document(statement, checkpoint_heads(statement.id))).encode(),
        statement.text().encode(),
    ):
        for i in range(len(data)):
            altered = bytearray(data)
            altered[i] ^= 0x01
            with pytest.raises(NotAuthentic):
                statement_read(bytes(altered))


@pytest.mark.django_db
def test_a_statement_under_an_unknown_key_is_not_authentic(keys: Path, make_carrier: Any) -> None:
    make_carrier()
    statement = Statement.of(checkpoint_sign())
    for pub in keys.glob("*.pub"):
        pub.unlink()
    with pytest.raises(NotAuthentic, match="signature"), translation.override("en"):
        statement_read(statement.text().encode())


@pytest.mark.django_db
def test_a_statement_signed_before_a_rotation_still_verifies(make_carrier: Any) -> None:
    make_carrier()
    old = Statement.of(checkpoint_sign())
    signing.signing_key_rotate()
    new = Statement.of(checkpoint_sign())
    assert old.key != new.key and old.authentic() and new.authentic()


@pytest.mark.django_db
def test_a_checkpoint_uses_the_hash_the_ledger_was_created_with(
    sm3_ledger: str, settings: Any, make_carrier: Any
) -> None:
    make_carrier()
    statement = Statement.of(checkpoint_sign())
    assert statement.hash == "sm3" and statement.root == merkle.root_of(ledger_heads(), "sm3")
    settings.CUSTOS_LEDGER_HASH = "sha256"
    with (
        pytest.raises(ServiceError, match="fixed when the ledger is created"),
        translation.override("en"),
    ):
        checkpoint_sign()


def run(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        with translation.override("en"):
            call_command(*args, stdout=out, stderr=StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_the_commands_write_and_verify_a_statement(tmp_path: Path, make_carrier: Any) -> None:
    make_carrier()
    code, printed = run("checkpoint")
    assert code == 0 and json.loads(printed)["id"] == 1
    out = tmp_path / "cp.json"
    assert run("checkpoint", "--out", str(out))[0] == 0
    assert len(json.loads(out.read_text())["heads"]) == 1
    stdout_copy = tmp_path / "printed.json"
    stdout_copy.write_text(printed)
    assert run("verify", "--against", str(out), str(stdout_copy)) == (
        0,
        "the ledger extends every statement (2)\n",
    )
    forged = tmp_path / "forged.json"
    forged.write_text(out.read_text().replace('"carriers": 1', '"carriers": 2'))
    code, said = run("verify", "--against", str(out), str(forged))
    assert code == 2 and f"NOT AUTHENTIC {forged}" in said


@pytest.mark.django_db
def test_the_api_answers_the_latest_and_a_given_checkpoint_to_committee_and_auditor(
    api_as: Any, unit: Any, make_person: Any, make_carrier: Any
) -> None:
    make_carrier()
    auditor = make_person(("auditor",), "none")
    assert api_as(unit.committee).get("/ledger/checkpoints/latest").status_code == 404
    first = Statement.of(checkpoint_sign())
    second = Statement.of(checkpoint_sign())
    latest = api_as(auditor).get("/ledger/checkpoints/latest")
    assert latest.status_code == 200 and latest.json() == json.loads("".join(document(second)))
    by_id = api_as(unit.committee).get(f"/ledger/checkpoints/{first.id}").json()
    assert statement_read(by_id["text"].encode()) == (first, None)
    for path in ("/ledger/checkpoints/0", "/ledger/checkpoints/99999999999999999999"):
        assert api_as(unit.committee).get(path).json()["error"]["code"] in ("not_found", "invalid")
    refused = api_as(unit.clerk).get("/ledger/checkpoints/latest")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")


@pytest.mark.django_db
def test_a_ledger_hash_this_machine_lacks_stops_the_startup_checks(settings: Any) -> None:
    settings.CUSTOS_LEDGER_HASH = "sm9"
    with pytest.raises(SystemCheckError, match=r"custody.E001.*sm9"):
        call_command("check")


@given(st.text(max_size=12), st.integers(min_value=0, max_value=10**9))
def test_a_head_line_is_json_dumps_of_the_head_whatever_the_code(code: str, seq: int) -> None:
    for c in (code, "CXZ-" + code, "CB000000001"):
        assert head_line(c, seq, "ab" * 32) == json.dumps([c, seq, "ab" * 32])


def test_head_lines_read_back_what_document_wrote_and_refuse_any_other_spelling() -> None:
    heads = [("CXZ-1", 3, "ab" * 32), ('C"\\\n北', 0, "x"), ("", 7, "")]
    statement = Statement("XZ", 1, "t", 3, 10, "sha256", "r", "p", "k", "s")
    text = "".join(document(statement, heads))
    start = text.index('"heads": [') + len('"heads": [')
    assert list(HeadLines(text, start)) == heads and len(HeadLines(text, start)) == 3
    empty = "".join(document(statement, []))
    assert list(HeadLines(empty, empty.index('"heads": [') + len('"heads": ['))) == []
    for spelled in ('["CXZ-1", 03, "', '["CXZ-1",3, "', "['CXZ-1', 3, '"):
        altered = text.replace('["CXZ-1", 3, "', spelled)
        with pytest.raises(NotAuthentic):
            HeadLines(altered, start)
