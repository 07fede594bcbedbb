"""The offline spool: every scan in a local SQLite file before anything else happens.

Why SQLite with WAL and ``synchronous=FULL``: a desk PC loses power, the client is killed,
the network drops — a scan the clerk saw accepted must still be there afterwards. With
FULL, a COMMIT returns only once the WAL is on disk; WAL lets the sender read while the
desk flow writes.

A scan moves ``waiting`` → ``sent`` (the server answered ``recorded`` or ``duplicate``)
or ``waiting`` → ``refused`` (``rejected``, kept with the server's error, never deleted).
``seq`` is the order of enqueueing and the order of delivery. The scan's ``id`` (uuid4)
is chosen here, at enqueue, and is the server's idempotency key: a batch whose answer was
lost is simply sent again and comes back ``duplicate``.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

WAITING, SENT, REFUSED = "waiting", "sent", "refused"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS scans (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- delivery order
    id           TEXT    NOT NULL UNIQUE,            -- the event id (uuid4)
    carrier      TEXT    NOT NULL,
    action       TEXT    NOT NULL,
    body         TEXT    NOT NULL,                   -- the scan's JSON, sent as is
    state        TEXT    NOT NULL DEFAULT 'waiting'
                 CHECK (state IN ('waiting', 'sent', 'refused')),
    status       TEXT,                               -- recorded | duplicate | rejected
    error_code   TEXT,
    error_message TEXT,
    enqueued_at  TEXT    NOT NULL,
    answered_at  TEXT,
    seen         INTEGER NOT NULL DEFAULT 0,         -- refusal shown to the clerk
    event_seq    INTEGER,                            -- the receipt: the event's seq …
    event_hash   TEXT                                -- … and hash in the carrier's chain
);
-- The sender's query: the oldest waiting scans, in order.
CREATE INDEX IF NOT EXISTS scans_waiting ON scans (seq) WHERE state = 'waiting';
"""


@dataclass(frozen=True, slots=True)
class Scan:
    """One scan as CONTRACT.md's POST /scans takes it."""

    id: str
    action: str
    carrier: str
    actor: str
    occurred_at: str
    counterpart: str | None = None
    location: str | None = None
    due_at: str | None = None
    note: str | None = None
    host: str | None = None  # install_storage: the device the medium goes into
    carry_out: int | None = None  # carry_out / carry_in: the approved request
    meeting: int | None = None  # checkout / return at a meeting: the meeting

    def to_json(self) -> str:
        # Optional fields are left out rather than sent as null: the contract marks them
        # optional, and a stricter server schema should not trip over nulls.
        data = {k: v for k, v in asdict(self).items() if v is not None}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def new_scan(
    *,
    action: str,
    carrier: str,
    actor: str,
    counterpart: str | None = None,
    location: str | None = None,
    due_at: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
    host: str | None = None,
    carry_out: int | None = None,
    meeting: int | None = None,
) -> Scan:
    """A scan with a fresh uuid4 and ``occurred_at`` = now on the desk's clock, with its
    UTC offset, so a scan delivered hours later still says when it happened."""
    moment = (now or datetime.now(UTC)).astimezone()
    return Scan(
        id=str(uuid.uuid4()),
        action=action,
        carrier=carrier,
        actor=actor,
        counterpart=counterpart,
        location=location,
        occurred_at=moment.isoformat(timespec="milliseconds"),
        due_at=due_at,
        note=note,
        host=host,
        carry_out=carry_out,
        meeting=meeting,
    )


@dataclass(frozen=True, slots=True)
class Pending:
    seq: int
    id: str
    body: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """The server's answer for one scan."""

    id: str
    status: str  # recorded | duplicate | rejected
    error_code: str | None = None
    error_message: str | None = None
    seq: int | None = None  # the receipt, when the server gave one
    hash: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the server answered for a delivered scan: its event's place in the chain."""

    id: str
    carrier: str
    seq: int
    hash: str


# Columns added after the first release; a spool written by an older client gains them.
_ADDED_COLUMNS = (("event_seq", "INTEGER"), ("event_hash", "TEXT"))


@dataclass(frozen=True, slots=True)
class Refusal:
    seq: int
    id: str
    carrier: str
    action: str
    error_code: str
    error_message: str
    answered_at: str


BUSY_SECONDS = 30.0


def _switch_to_wal(db: sqlite3.Connection) -> None:
    """Put the spool in WAL mode (kept in the file), waiting out another connection.

    Two connections opening a new spool at once — the desk loop and its sender thread —
    both take a shared lock and both want the exclusive one to switch the journal mode;
    SQLite answers one of them "database is locked" at once instead of waiting the busy
    timeout, since waiting would deadlock. The other finishes the switch in milliseconds,
    so the refused one tries again.
    """
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Spool:
    """One connection to the spool file; open one per thread or process."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Only the desk's own user reads the spool: it names people and carriers. SQLite
        # gives its -wal and -shm files the database file's mode.
        self.path.touch(mode=0o600, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so each enqueue is
        # exactly one transaction and nothing lingers half-committed in the driver.
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_SECONDS)
        _switch_to_wal(self._db)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._add_columns()

    def _add_columns(self) -> None:
        have = {row[1] for row in self._db.execute("PRAGMA table_info(scans)")}
        for name, kind in _ADDED_COLUMNS:
            if name not in have:
                try:
                    self._db.execute(f"ALTER TABLE scans ADD COLUMN {name} {kind}")
                except sqlite3.OperationalError as exc:
                    # Another connection (the desk loop's sender thread) added it first.
                    if "duplicate column" not in str(exc):
                        raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def enqueue(self, scans: Sequence[Scan]) -> list[str]:
        """Write the scans in one transaction (a handover of several carriers is all or
        nothing) and return their ids. Once this returns, they survive a crash."""
        stamp = _now()
        rows = [(s.id, s.carrier, s.action, s.to_json(), stamp) for s in scans]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "INSERT INTO scans (id, carrier, action, body, enqueued_at) VALUES (?,?,?,?,?)",
                rows,
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return [s.id for s in scans]

    def waiting(self, limit: int = 1000) -> list[Pending]:
        cur = self._db.execute(
            "SELECT seq, id, body FROM scans WHERE state = 'waiting' ORDER BY seq LIMIT ?",
            (limit,),
        )
        return [Pending(*row) for row in cur]

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Apply the server's answers in one transaction. Only waiting rows change, so a
        late or repeated answer never moves a scan backwards."""
        stamp = _now()
        sent = [
            (o.status, stamp, o.seq, o.hash, o.id)
            for o in outcomes
            if o.status in ("recorded", "duplicate")
        ]
        refused = [
            (o.error_code or "rejected", o.error_message or "", stamp, o.id)
            for o in outcomes
            if o.status == "rejected"
        ]
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany(
                "UPDATE scans SET state = 'sent', status = ?, answered_at = ?,"
                " event_seq = ?, event_hash = ? WHERE id = ? AND state = 'waiting'",
                sent,
            )
            self._db.executemany(
                "UPDATE scans SET state = 'refused', status = 'rejected', error_code = ?,"
                " error_message = ?, answered_at = ? WHERE id = ? AND state = 'waiting'",
                refused,
            )
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def counts(self) -> dict[str, int]:
        found = dict(
            self._db.execute("SELECT state, count(*) FROM scans GROUP BY state").fetchall()
        )
        return {state: int(found.get(state, 0)) for state in (WAITING, SENT, REFUSED)}

    def refusals(self, *, unseen_only: bool = False) -> list[Refusal]:
        query = (
            "SELECT seq, id, carrier, action, error_code, error_message, answered_at"
            " FROM scans WHERE state = 'refused' AND seen IN (0, ?) ORDER BY seq"
        )
        cur = self._db.execute(query, (0 if unseen_only else 1,))
        return [Refusal(*row) for row in cur]

    def mark_seen(self, ids: Iterable[str]) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany("UPDATE scans SET seen = 1 WHERE id = ?", [(i,) for i in ids])
        self._db.execute("COMMIT")

    def receipts(self) -> list[Receipt]:
        """Every receipt this desk keeps, in delivery order."""
        cur = self._db.execute(
            "SELECT id, carrier, event_seq, event_hash FROM scans"
            " WHERE state = 'sent' AND event_hash IS NOT NULL ORDER BY seq"
        )
        return [Receipt(*row) for row in cur]

    def ids_in_order(self) -> list[tuple[str, str, str]]:
        """``(id, carrier, state)`` for every scan in delivery order (tests, audits)."""
        return list(self._db.execute("SELECT id, carrier, state FROM scans ORDER BY seq"))
