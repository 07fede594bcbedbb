#!/usr/bin/env python3
"""Check a Custos checkpoint statement without Custos: Python's standard library plus the
``cryptography`` package (pip install cryptography), nothing else.

    python verify_statement.py STATEMENT --key checkpoint-<id>.pub [--key …]
                               [--ledger heads.csv]

STATEMENT is the JSON file (``custos checkpoint [--out]``) or a file holding the one-line
form. The script checks the Ed25519 signature under the given public key files, that the
file is byte for byte as signed, and — when the file carries the carrier heads — that they
give the signed root. With ``--ledger`` (a CSV of ``code,seq,hash`` for every event of the
live ledger, e.g. ``\\copy (SELECT c.code, e.seq, e.hash FROM custody_event e JOIN
registry_carrier c ON c.id = e.carrier_id) TO 'heads.csv' CSV``) it names every carrier
whose published head the ledger no longer holds.

Exit 0: authentic (and the ledger holds every head); 1: a carrier named; 2: not authentic.
docs/checkpoints.md describes the format; this file repeats backend/custody/merkle.py and
the signed-message rule of backend/custody/statements.py on purpose, so it stands alone.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import csv
import hashlib
import json
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "custos-checkpoint/1"
FIELDS = ("unit", "id", "at", "carriers", "events", "hash", "root", "prev", "key")


class NotAuthentic(Exception):
    pass


def digest(name: str, data: bytes) -> bytes:
    return hashlib.new(name, data).digest()


def merkle_root(heads: list[list], hash_name: str) -> str:
    """RFC 9162 tree hash over leaves "<code> <seq> <hash>" in the order given."""

    def mth(lo: int, hi: int) -> bytes:
        if hi - lo == 1:
            code, seq, head = heads[lo]
            return digest(hash_name, b"\x00" + f"{code} {seq} {head}".encode("ascii"))
        k = 1
        while k * 2 < hi - lo:
            k *= 2
        return digest(hash_name, b"\x01" + mth(lo, lo + k) + mth(lo + k, hi))

    return (mth(0, len(heads)) if heads else digest(hash_name, b"")).hex()


def message(fields: dict) -> bytes:
    return " ".join([FORMAT, *(f"{name}={fields[name]}" for name in FIELDS)]).encode("ascii")


def canonical(fields: dict, heads: list | None) -> str:
    """The JSON text Custos writes for these fields; any other byte is an alteration."""
    doc = {name: fields[name] for name in (*FIELDS, "signature")}
    text_form = f"{message(doc).decode()} sig={doc['signature']}"
    root = doc["root"]
    doc.update(
        format=FORMAT,
        algorithm="ed25519",
        fingerprint=" ".join(root[i : i + 4] for i in range(0, 20, 4)),
        text=text_form,
    )
    body = json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False)
    if heads is None:
        return body + "\n"
    if not heads:
        return body[:-2] + ',\n  "heads": []\n}\n'
    lines = ",\n    ".join(json.dumps(h) for h in heads)
    return body[:-2] + ',\n  "heads": [\n    ' + lines + "\n  ]\n}\n"


def read(data: bytes) -> tuple[dict, list | None]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotAuthentic("not UTF-8 text") from exc
    if text.startswith(FORMAT):
        words = text.rstrip("\n").split(" ")
        pairs = [w.partition("=") for w in words[1:]]
        if [p[0] for p in pairs] != [*FIELDS, "sig"] or not all(p[1] for p in pairs):
            raise NotAuthentic("malformed one-line statement")
        fields = {name: value for name, _, value in pairs}
        fields["signature"] = fields.pop("sig")
        if text not in (
            f"{message(fields).decode()} sig={fields['signature']}" + e for e in ("", "\n")
        ):
            raise NotAuthentic("malformed one-line statement")
        return fields, None
    try:
        doc = json.loads(text)
        heads = doc.pop("heads", None)
        if canonical(doc, heads) != text:
            raise NotAuthentic("altered: the file is not in its signed form")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NotAuthentic("not a Custos checkpoint statement") from exc
    return doc, heads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("statement", type=Path)
    parser.add_argument("--key", type=Path, action="append", required=True)
    parser.add_argument("--ledger", type=Path, help="CSV code,seq,hash of the live ledger")
    args = parser.parse_args(argv)

    keys: dict[str, Ed25519PublicKey] = {}
    for path in args.key:
        public = serialization.load_pem_public_key(path.read_bytes())
        if isinstance(public, Ed25519PublicKey):
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            keys[hashlib.sha256(raw).hexdigest()[:16]] = public
    try:
        fields, heads = read(args.statement.read_bytes())
        public = keys.get(str(fields["key"]))
        if public is None:
            raise NotAuthentic(f"unknown key {fields['key']}")
        sig = str(fields["signature"])
        try:
            public.verify(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)), message(fields))
        except (InvalidSignature, binascii.Error, ValueError) as exc:
            raise NotAuthentic("the signature does not verify") from exc
        if heads is not None and merkle_root(heads, str(fields["hash"])) != fields["root"]:
            raise NotAuthentic("the heads do not give the signed root")
    except NotAuthentic as exc:
        print(f"NOT AUTHENTIC: {exc}")
        return 2
    print(f"authentic: checkpoint {fields['id']} of {fields['unit']} at {fields['at']}")
    if args.ledger is None or heads is None:
        return 0
    held: set[tuple[str, int, str]] = set()
    with args.ledger.open(newline="") as f:
        for code, seq, head in csv.reader(f):
            held.add((code, int(seq), head))
    missing = [h for h in heads if h[1] > 0 and (h[0], h[1], h[2]) not in held]
    for code, seq, _head in missing:
        print(f"CHANGED {code}: its event seq {seq} is gone or changed")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
