"""Signed checkpoints: the statement a unit publishes so the ledger can be held to it.

A statement is small: unit, id, time, counts, hash, root, previous root, key id and an
Ed25519 signature. What is signed is its one-line text form without the ``sig=`` part,
so the JSON document, the line copied by hand and the 2D code all carry the same bytes.
docs/checkpoints.md states the format; tools/verify_statement.py checks it without Custos.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.custody import algorithm, chain, merkle, signing
from backend.custody.models import SignedCheckpoint
from backend.errors import ServiceError
from backend.hooks import checkpoint_signed

FORMAT = "custos-checkpoint/1"
ALGORITHM = "ed25519"
_TEXT_FIELDS = ("unit", "id", "at", "carriers", "events", "hash", "root", "prev", "key")
_LOCK = 0x637573746F73  # "custos": the advisory lock that makes checkpoints one at a time

Head = tuple[str, int, str]


class NotAuthentic(Exception):
    """The document is not a statement this unit signed, as it was signed."""


@dataclass(frozen=True, slots=True)
class Statement:
    unit: str
    id: int
    at: str
    carriers: int
    events: int
    hash: str
    root: str
    prev: str
    key: str
    signature: str  # base64url without padding

    def message(self) -> bytes:
        """The signed bytes: the text form up to, not including, the signature."""
        parts = [FORMAT, *(f"{name}={getattr(self, name)}" for name in _TEXT_FIELDS)]
        return " ".join(parts).encode("ascii")

    def text(self) -> str:
        return f"{self.message().decode()} sig={self.signature}"

    def fingerprint(self) -> str:
        return merkle.fingerprint(self.root)

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "format": FORMAT,
            "algorithm": ALGORITHM,
            "fingerprint": self.fingerprint(),
            "text": self.text(),
        }

    def authentic(self) -> bool:
        try:
            raw = base64.urlsafe_b64decode(self.signature + "=" * (-len(self.signature) % 4))
        except (binascii.Error, ValueError):
            return False
        return signing.signature_valid(self.key, self.message(), raw)

    @classmethod
    def of(cls, row: SignedCheckpoint) -> Statement:
        return cls(
            unit=row.unit,
            id=row.pk,
            at=chain.timestamp(row.at) or "",
            carriers=row.carriers,
            events=row.events,
            hash=row.hash,
            root=row.root,
            prev=row.prev,
            key=row.key,
            signature=row.signature,
        )


def head_line(code: str, seq: int, head: str) -> str:
    """One head as the document writes it: ``json.dumps([code, seq, head])``.

    Written out for the codes and hex hashes the ledger holds, which JSON leaves as they
    are (a million heads per checkpoint: json.dumps cost as much as the tree); anything
    that would need escaping goes through json.dumps."""
    if _PLAIN(code) and _PLAIN(head):
        return f'["{code}", {int(seq)}, "{head}"]'
    return json.dumps([code, seq, head])


_PLAIN = re.compile(r"[A-Za-z0-9-]*\Z").match


def document(statement: Statement, heads: Iterable[Head] | None = None) -> Iterator[str]:
    """The statement as its one canonical JSON text, with the heads when given.

    Canonical (sorted keys, two-space indent, one head per line) so a verifier can
    re-render what it read and refuse a file where any byte differs.
    """
    if heads is None:
        yield json.dumps(statement.as_dict(), sort_keys=True, indent=2, ensure_ascii=False)
        yield "\n"
        return
    yield from document_lines(statement, (head_line(*h) for h in heads))


def document_lines(statement: Statement, lines: Iterable[str]) -> Iterator[str]:
    """``document`` from heads already rendered by ``head_line``."""
    body = json.dumps(statement.as_dict(), sort_keys=True, indent=2, ensure_ascii=False)
    yield body[:-2] + ',\n  "heads": ['
    sep = "\n    "
    for line in lines:
        yield sep + line
        sep = ",\n    "
    yield "\n  ]\n}\n" if sep != "\n    " else "]\n}\n"


def statement_text_parse(line: str) -> Statement:
    """The one-line form back into a statement (authenticity is checked separately)."""
    words = line.strip().split(" ")
    if not words or words[0] != FORMAT:
        raise NotAuthentic(_("not a Custos checkpoint statement"))
    fields: dict[str, str] = {}
    for word in words[1:]:
        name, sep, value = word.partition("=")
        if not sep or name in fields:
            raise NotAuthentic(_("the statement's text form is malformed"))
        fields[name] = value
    if list(fields) != [*_TEXT_FIELDS, "sig"]:
        raise NotAuthentic(_("the statement's text form is malformed"))
    try:
        return Statement(
            unit=fields["unit"],
            id=int(fields["id"]),
            at=fields["at"],
            carriers=int(fields["carriers"]),
            events=int(fields["events"]),
            hash=fields["hash"],
            root=fields["root"],
            prev=fields["prev"],
            key=fields["key"],
            signature=fields["sig"],
        )
    except ValueError as exc:
        raise NotAuthentic(_("the statement's text form is malformed")) from exc


_HEADS = ',\n  "heads": ['
_FIRST, _NEXT, _LAST = "\n    ", ",\n    ", "\n  ]\n}\n"
_HEAD_LINE = re.compile(r'\["([A-Za-z0-9-]*)", (0|[1-9][0-9]*), "([A-Za-z0-9-]*)"\]\Z').match


class HeadLines:
    """The heads of a statement file, read from its text each time they are walked: a
    million heads cost the file's text, not a million tuples (``custos verify --against``
    walks them twice: for the root, then into the database)."""

    __slots__ = ("_count", "_end", "_start", "_text")

    def __init__(self, text: str, start: int) -> None:
        self._text = text
        if len(text) == start + 4 and text.endswith("]\n}\n"):  # no slice: 80 MB at 1M
            self._start = self._end = start
        elif text.startswith(_FIRST, start) and text.endswith(_LAST):
            self._start, self._end = start + len(_FIRST), len(text) - len(_LAST)
        else:
            raise NotAuthentic(_("the statement was altered: it is not in its signed form"))
        self._count = sum(1 for _head in self)  # every line checked once, here

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Head]:
        text, pos, end = self._text, self._start, self._end
        while pos < end:
            cut = text.find(_NEXT, pos, end)
            stop = end if cut < 0 else cut
            yield _head_of(text[pos:stop])
            pos = stop + len(_NEXT)


def _head_of(line: str) -> Head:
    """One head line, which must be exactly as ``head_line`` writes it."""
    plain = _HEAD_LINE(line)
    if plain:  # nothing here that JSON escapes: the line is its own canonical form
        return plain[1], int(plain[2]), plain[3]
    try:
        code, seq, head = json.loads(line)
        parsed = (str(code), int(seq), str(head))
    except (ValueError, TypeError) as exc:
        raise NotAuthentic(_("the statement was altered: it is not in its signed form")) from exc
    if head_line(*parsed) != line:
        raise NotAuthentic(_("the statement was altered: it is not in its signed form"))
    return parsed


def statement_read(data: bytes) -> tuple[Statement, HeadLines | None]:
    """A statement file (JSON, with or without heads, or the one-line form), checked
    byte for byte and by signature; raises NotAuthentic otherwise."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotAuthentic(_("the file is not UTF-8 text")) from exc
    heads: HeadLines | None = None
    if text.startswith(FORMAT):
        statement = statement_text_parse(text)
        if text not in (statement.text(), statement.text() + "\n"):
            raise NotAuthentic(_("the statement's text form is malformed"))
    else:
        # The statement is the document up to its heads (JSON strings hold no line break,
        # so the first such line is where they begin); the heads are read line by line.
        cut = text.find(_HEADS)
        body = text if cut < 0 else text[:cut] + "\n}\n"
        try:
            doc = json.loads(body)
            fields = {name: doc[name] for name in (*_TEXT_FIELDS, "signature")}
            statement = Statement(**fields)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise NotAuthentic(_("the file is not a Custos checkpoint statement")) from exc
        if "".join(document(statement)) != body:
            raise NotAuthentic(_("the statement was altered: it is not in its signed form"))
        if cut >= 0:
            heads = HeadLines(text, cut + len(_HEADS))
    if not statement.authentic():
        raise NotAuthentic(
            _("the signature does not verify under key %(key)s") % {"key": statement.key}
        )
    if heads is not None and merkle.root_of(heads, statement.hash) != statement.root:
        raise NotAuthentic(_("the carrier heads in the file do not give the statement's root"))
    return statement, heads


def _iter_rows(sql: str, params: list[int]) -> Iterator[Head]:
    # A server-side cursor on PostgreSQL: a million heads stream, never sit in a list.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            yield from rows


def _code_order() -> str:
    # Python compares codes by code point; PostgreSQL's default collation would not.
    return 'code COLLATE "C"' if connection.vendor == "postgresql" else "code"


def ledger_heads() -> Iterator[Head]:
    """Every carrier's current head, in code order."""
    return _iter_rows(
        f"SELECT code, seq, head_hash FROM registry_carrier ORDER BY {_code_order()}",  # noqa: S608
        [],
    )


# Checkpoint N's heads (one parameter, N): per code, the latest row kept at or before N.
HEADS_AT = (
    "SELECT code, seq, hash FROM (SELECT code, seq, hash, ROW_NUMBER() OVER "
    "(PARTITION BY code ORDER BY checkpoint_id DESC) AS n FROM custody_signed_head "
    "WHERE checkpoint_id <= %s) AS kept WHERE n = 1"
)


def checkpoint_heads(checkpoint_id: int) -> Iterator[Head]:
    """The heads checkpoint ``checkpoint_id`` covered, rebuilt from the rows kept per move."""
    return _iter_rows(f"{HEADS_AT} ORDER BY {_code_order()}", [checkpoint_id])


def checkpoint_sign(*, heads_out: Callable[[Head], object] | None = None) -> SignedCheckpoint:
    """Make and sign a checkpoint of everything recorded up to now.

    1. One at a time (an advisory lock on PostgreSQL; SQLite writes one at a time anyway),
       so each checkpoint's ``prev`` is the one before it.
    2. One snapshot (REPEATABLE READ) for the heads, the root, the counts and the rows
       kept, so they all describe the same moment.
    3. The root streams the carriers in code order; the heads that moved since the last
       checkpoint are copied table to table in SQL, never through Python.
    ``heads_out`` receives every head of that stream (``custos checkpoint --out`` writes
    them), so a file's heads are those of the snapshot the root was built from.
    """
    on_postgres = connection.vendor == "postgresql"
    outermost = not connection.in_atomic_block
    if on_postgres and outermost:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
    try:
        with transaction.atomic():
            if on_postgres and outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            return _checkpoint_sign(heads_out)
    finally:
        if on_postgres and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])


def _checkpoint_sign(heads_out: Callable[[Head], object] | None) -> SignedCheckpoint:
    hash_name = algorithm.ledger_hash()
    last = SignedCheckpoint.objects.order_by("-id").first()
    builder = merkle.RootBuilder(hash_name)
    events = 0
    for code, seq, head in ledger_heads():
        builder.add(code, seq, head)
        events += seq
        if heads_out is not None:
            heads_out((code, seq, head))
    at: datetime = timezone.now()
    statement = Statement(
        unit=settings.CUSTOS_UNIT,
        id=(last.pk + 1) if last else 1,
        at=chain.timestamp(at) or "",
        carriers=builder.count,
        events=events,
        hash=hash_name,
        root=builder.root(),
        prev=last.root if last else chain.GENESIS,
        key="",
        signature="",
    )
    private = signing.signing_key()
    kid = signing.key_id(private.public_key())  # the key id is part of what is signed
    statement = Statement(**{**asdict(statement), "key": kid})
    raw = private.sign(statement.message())
    signature = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    row = SignedCheckpoint(
        id=statement.id,
        unit=statement.unit,
        at=at,
        carriers=statement.carriers,
        events=statement.events,
        hash=hash_name,
        root=statement.root,
        prev=statement.prev,
        key=kid,
        signature=signature,
    )
    row.save()
    with connection.cursor() as cursor:
        # Two statements, not one INSERT … WHERE NOT EXISTS: inserting into the table the
        # anti-join reads made PostgreSQL rescan its own new rows, quadratic in carriers.
        cursor.execute(
            "CREATE TEMPORARY TABLE custos_moved_heads AS "
            "SELECT c.code, c.seq, c.head_hash FROM registry_carrier c WHERE NOT EXISTS "
            "(SELECT 1 FROM custody_signed_head h WHERE h.code = c.code AND h.seq = c.seq "
            "AND h.hash = c.head_hash)"
        )
        cursor.execute(
            "INSERT INTO custody_signed_head (checkpoint_id, code, seq, hash) "
            "SELECT %s, code, seq, head_hash FROM custos_moved_heads",
            [row.pk],
        )
        cursor.execute("DROP TABLE custos_moved_heads")
    # Published through the outbox of the apps above (e-mail, webhook, supervising office):
    # their rows commit with the checkpoint, and nothing here waits on a send.
    checkpoint_signed.send(sender=SignedCheckpoint, checkpoint=row)
    return row


def statement_of(checkpoint_id: int | None = None) -> Statement:
    """The statement of checkpoint ``checkpoint_id``, or of the latest one."""
    rows = SignedCheckpoint.objects.all()
    if checkpoint_id is None:
        row = rows.order_by("-id").first()
    else:
        # An id beyond the column's range names no checkpoint (and must not reach SQL).
        row = rows.filter(pk=checkpoint_id).first() if 0 < checkpoint_id < 2**63 else None
    if row is None:
        raise ServiceError("not_found", _("No such checkpoint."))
    return Statement.of(row)


def statement_latest() -> Statement | None:
    """The latest signed checkpoint's statement, or None before the first."""
    row = SignedCheckpoint.objects.order_by("-id").first()
    return Statement.of(row) if row else None
