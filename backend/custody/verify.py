"""Recomputing the ledger: every chain, every carrier head, every checkpoint head.

Two ways to the same answer, both streaming, so memory stays flat however large the
ledger grows:

- **In PostgreSQL** (SHA-256 ledgers): one query walks the events in (carrier, seq) order,
  links each to the one before it (window functions), rebuilds its canonical bytes and
  hashes them with ``sha256()``, and returns only the events that need a second look:
  a broken link, a head that disagrees, or a hash that does not match (a payload the
  database cannot render as ``json.dumps`` does — a nested object, a float — lands
  here too). Python recomputes those with :mod:`backend.custody.chain` before it calls
  one broken, so the SQL is a shortcut that can never raise a false alarm.
- **In Python** (SQLite, SM3 — PostgreSQL has no SM3 — and a few carriers): the carriers
  and the events stream side by side in id order and every hash is recomputed here.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction

from backend.custody import algorithm, chain
from backend.custody.models import CustodyEvent
from backend.registry.models import Carrier, Device, Location, Person


@dataclass(frozen=True, slots=True)
class Break:
    carrier: str
    seq: int
    reason: str


@dataclass(slots=True)
class Report:
    carriers: int = 0
    events: int = 0
    broken: list[Break] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


_EVENT_COLUMNS = (
    "carrier_id",
    "id",
    "seq",
    "action",
    "actor_id",
    "counterpart_id",
    "escort_id",
    "location_id",
    "device_id",
    "occurred_at",
    "recorded_at",
    "due_at",
    "late",
    "payload",
    "prev_hash",
    "hash",
)
_CHUNK = 5000

MISSING = "event seq {seq} is missing"
PREV = "prev_hash does not match the event before it"
CONTENT = "the event's content does not match its hash"
GONE = "the carrier row is gone"
HEAD = "the chain ends at seq {seq}; its head says {head}"
KEPT = "an event recorded in a checkpoint is gone or changed"


def ledger_verify(
    *, carrier_ids: Collection[int] | None = None, in_sql: bool | None = None
) -> Report:
    """Check every chain (or only these carriers'); name the first broken link of each
    broken carrier. ``in_sql`` forces one way (the tests compare them); by default
    PostgreSQL does the hashing for a SHA-256 ledger checked whole.

    One snapshot (REPEATABLE READ on PostgreSQL, when not inside a caller's transaction),
    so a scan recorded meanwhile is never half seen.
    """
    hash_name = algorithm.chain_hash()
    on_postgres = connection.vendor == "postgresql"
    if in_sql is None:
        in_sql = on_postgres and hash_name == "sha256" and carrier_ids is None
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if on_postgres and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        report = _by_sql(carrier_ids) if in_sql else _by_python(carrier_ids, hash_name)
        _kept_heads(report, carrier_ids)
    report.broken.sort(key=lambda b: (b.carrier, b.seq))
    return report


class _Judge:
    """The first break of each carrier, in seq order, as the events come."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.broken: set[int] = set()

    def fail(self, carrier_id: int, code: str, seq: int, reason: str) -> None:
        if carrier_id not in self.broken:
            self.broken.add(carrier_id)
            self.report.broken.append(Break(code, seq, reason))


def _codes() -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    # The people, places and desks are few beside the events: looked up here, not joined
    # to ten million rows.
    return (
        dict(Person.objects.values_list("id", "code")),
        dict(Location.objects.values_list("id", "code")),
        dict(Device.objects.values_list("id", "name")),
    )


def _fields(row: tuple[Any, ...], code: str, names: tuple[dict[int, str], ...]) -> dict[str, Any]:
    """The canonical fields of an event row in ``_EVENT_COLUMNS`` order."""
    people, places, devices = names
    (_, event_id, seq, action, actor, counterpart, escort, location, device) = row[:9]
    occurred_at, recorded_at, due_at, late, payload = row[9:14]
    return chain.event_fields(
        id=str(event_id),
        carrier=code,
        seq=seq,
        action=action,
        actor=people.get(actor, ""),
        counterpart=people.get(counterpart) if counterpart is not None else None,
        escort=people.get(escort) if escort is not None else None,
        location=places.get(location) if location is not None else None,
        device=devices.get(device) if device is not None else None,
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        due_at=due_at,
        late=late,
        payload=payload,
    )


def _by_python(carrier_ids: Collection[int] | None, hash_name: str) -> Report:
    report = Report()
    judge = _Judge(report)
    names = _codes()
    carriers = Carrier.objects.all()
    events = CustodyEvent.objects.all()
    if carrier_ids is not None:
        carriers = carriers.filter(id__in=carrier_ids)
        events = events.filter(carrier_id__in=carrier_ids)
    heads: Iterator[tuple[int, str, int, str]] = (
        carriers.order_by("id").values_list("id", "code", "seq", "head_hash").iterator(_CHUNK)
    )
    rows = events.order_by("carrier_id", "seq").values_list(*_EVENT_COLUMNS).iterator(_CHUNK)
    head = next(heads, None)
    current: tuple[int, str, int, str] | None = None  # the carrier whose events come now
    last_seq, last_hash = 0, chain.GENESIS

    def close() -> None:
        # The carrier's events have all come: its head must be the last of them.
        if current is not None and current[0] not in judge.broken:
            cid, code, seq, head_hash = current
            if seq != last_seq or head_hash != last_hash:
                judge.fail(cid, code, last_seq + 1, HEAD.format(seq=last_seq, head=seq))

    for row in rows:
        report.events += 1
        carrier_id, seq, prev_hash, stored_hash = row[0], row[2], row[14], row[15]
        if current is None or current[0] != carrier_id:
            close()
            current, last_seq, last_hash = None, 0, chain.GENESIS
            # Carriers before this one have no events: an empty chain, head at zero.
            while head is not None and head[0] < carrier_id:
                report.carriers += 1
                current, last_seq, last_hash = head, 0, chain.GENESIS
                close()
                current, head = None, next(heads, None)
            if head is not None and head[0] == carrier_id:
                report.carriers += 1
                current, head = head, next(heads, None)
            else:
                # Its carrier row was deleted behind the application's back (the foreign
                # key switched off): name the events' orphaned chain rather than fail.
                judge.fail(carrier_id, f"#{carrier_id}", seq, GONE)
                continue
        if carrier_id in judge.broken or current is None:
            continue
        code = current[1]
        if seq != last_seq + 1:
            judge.fail(carrier_id, code, last_seq + 1, MISSING.format(seq=last_seq + 1))
        elif prev_hash != last_hash:
            judge.fail(carrier_id, code, seq, PREV)
        elif chain.link(prev_hash, _fields(row, code, names), hash_name) != stored_hash:
            judge.fail(carrier_id, code, seq, CONTENT)
        else:
            last_seq, last_hash = seq, stored_hash
    close()
    while head is not None:
        report.carriers += 1
        current, last_seq, last_hash = head, 0, chain.GENESIS
        close()
        head = next(heads, None)
    return report


_TS = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""


def _json_text(column: str) -> str:
    return f"COALESCE(to_json({column})::text, 'null')"


def _json_time(column: str) -> str:
    return f"""COALESCE('"' || {_TS.format(column)} || '"', 'null')"""


# The payload as json.dumps(sort_keys=True, separators=(",", ":")) writes it, for the flat
# objects ingest writes (a registration's level and marking, a note): keys in code-point
# order (COLLATE "C" on UTF-8), no spaces. A nested value or a float may come out
# otherwise, and anything but an object gives NULL; its hash then fails to match here
# (IS DISTINCT FROM: a NULL never passes) and Python judges the event.
_PAYLOAD = (
    "CASE WHEN e.payload = '{}'::jsonb THEN '{}' WHEN jsonb_typeof(e.payload) <> 'object'"
    " THEN NULL ELSE (SELECT '{' || string_agg("
    """to_json(k)::text || ':' || v::text, ',' ORDER BY k COLLATE "C") || '}'"""
    " FROM jsonb_each(e.payload) AS p (k, v)) END"
)

# chain.canonical_bytes rebuilt in SQL: keys sorted, no spaces; to_json escapes a string
# exactly as json.dumps(ensure_ascii=False) does.
_CANONICAL = " || ".join(
    [
        """'{"action":' || """ + _json_text("e.action"),
        """',"actor":' || """ + _json_text("a.code"),
        """',"carrier":' || """ + _json_text("c.code"),
        """',"counterpart":' || """ + _json_text("cp.code"),
        """',"device":' || """ + _json_text("d.name"),
        """',"due_at":' || """ + _json_time("e.due_at"),
        """',"escort":' || """ + _json_text("es.code"),
        """',"id":"' || e.id::text || '"'""",
        """',"late":' || CASE WHEN e.late THEN 'true' ELSE 'false' END""",
        """',"location":' || """ + _json_text("l.code"),
        """',"occurred_at":' || """ + _json_time("e.occurred_at"),
        """',"payload":' || """ + _PAYLOAD,
        """',"recorded_at":' || """ + _json_time("e.recorded_at"),
        """',"seq":' || e.seq || '}'""",
    ]
)

# The window runs over the events alone, in the order of their (carrier, seq) index, so
# nothing is sorted; the joins above it only name codes. Returned: the events to look at
# again, in order, with what Python needs to judge them.
_SUSPECTS = f"""
SELECT e.carrier_id, e.id, e.seq, e.action, e.actor_id, e.counterpart_id, e.escort_id,
       e.location_id, e.device_id, e.occurred_at, e.recorded_at, e.due_at, e.late,
       e.payload::text, e.prev_hash, e.hash, c.code, c.seq, c.head_hash, e.before_seq,
       e.before_hash, e.last
FROM (
    SELECT ev.*, lag(ev.seq) OVER w AS before_seq, lag(ev.hash) OVER w AS before_hash,
           lead(ev.seq) OVER w IS NULL AS last
    FROM custody_event ev WHERE ev.carrier_id BETWEEN %s AND %s
    WINDOW w AS (PARTITION BY ev.carrier_id ORDER BY ev.seq)
) e
LEFT JOIN registry_carrier c ON c.id = e.carrier_id
LEFT JOIN registry_person a ON a.id = e.actor_id
LEFT JOIN registry_person cp ON cp.id = e.counterpart_id
LEFT JOIN registry_person es ON es.id = e.escort_id
LEFT JOIN registry_location l ON l.id = e.location_id
LEFT JOIN registry_device d ON d.id = e.device_id
WHERE c.id IS NULL
   OR e.seq <> COALESCE(e.before_seq, 0) + 1
   OR e.prev_hash <> COALESCE(e.before_hash, '{chain.GENESIS}')
   OR (e.last AND (c.seq <> e.seq OR c.head_hash <> e.hash))
   OR a.id IS NULL
   OR e.hash IS DISTINCT FROM encode(sha256(convert_to(e.prev_hash || {_CANONICAL}, 'UTF8')), 'hex')
ORDER BY e.carrier_id, e.seq
"""  # noqa: S608 - constants only

# Carriers without a single event, whose head claims one.
_EMPTY = f"""
SELECT c.id, c.code, c.seq FROM registry_carrier c
WHERE (c.seq <> 0 OR c.head_hash <> '{chain.GENESIS}')
  AND NOT EXISTS (SELECT 1 FROM custody_event e WHERE e.carrier_id = c.id)
"""  # noqa: S608 - constants only


def _by_sql(carrier_ids: Collection[int] | None) -> Report:
    """The SQL way, on ``_PARTS`` connections at once when this is the outermost
    transaction: each walks a range of carriers in the same snapshot (exported here, as
    ``pg_dump -j`` does), so the hashing uses both cores while the answer stays one moment's."""
    if carrier_ids is not None:
        raise ValueError("the SQL way checks the whole ledger")
    report = Report(carriers=Carrier.objects.count(), events=CustodyEvent.objects.count())
    judge = _Judge(report)
    names = _codes()
    with connection.cursor() as cursor:
        cursor.execute(_EMPTY)
        for cid, code, seq in cursor.fetchall():
            judge.fail(cid, code, 1, HEAD.format(seq=0, head=seq))
        cursor.execute("SELECT min(carrier_id), max(carrier_id) FROM custody_event")
        low, high = cursor.fetchone()
        if low is None:
            return report
        # Inside a caller's transaction (a test's) the other connections would not see
        # its rows: one range, here.
        parts = _PARTS if len(connection.atomic_blocks) == 1 else 1
        if parts > 1:
            cursor.execute("SELECT pg_export_snapshot()")
            [snapshot] = cursor.fetchone()
    step = (high - low) // parts + 1
    ranges = [(low + i * step, min(high, low + (i + 1) * step - 1)) for i in range(parts)]
    if parts == 1:
        found = [_suspects(*ranges[0])]
    else:
        with ThreadPoolExecutor(parts) as pool:
            found = list(pool.map(lambda r: _suspects_apart(snapshot, *r), ranges))
    for rows in found:
        for row in rows:
            _judge_suspect(judge, row, names)
    return report


_PARTS = 2


def _suspects(low: int, high: int) -> list[tuple[Any, ...]]:
    """The events of carriers ``low``…``high`` that need a second look (few: all of them
    only in a ledger broken throughout)."""
    with connection.cursor() as cursor:
        # Plan for all the rows at once and keep the joins' hashes in memory.
        cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(_SUSPECTS, [low, high])
        return cursor.fetchall()


def _suspects_apart(snapshot: str, low: int, high: int) -> list[tuple[Any, ...]]:
    """``_suspects`` on this thread's own connection, in the exported snapshot."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            return _suspects(low, high)
    finally:
        connection.close()


def _judge_suspect(judge: _Judge, row: tuple[Any, ...], names: tuple[dict[int, str], ...]) -> None:
    """One event the SQL flagged, judged as the Python way would judge it."""
    carrier_id, seq, prev_hash, stored_hash = row[0], row[2], row[14], row[15]
    code, head_seq, head_hash, before_seq, before_hash, last = row[16:]
    if carrier_id in judge.broken:
        return
    if code is None:
        judge.fail(carrier_id, f"#{carrier_id}", seq, GONE)
        return
    expected = (before_seq or 0) + 1
    if seq != expected:
        judge.fail(carrier_id, code, expected, MISSING.format(seq=expected))
        return
    if prev_hash != (before_hash or chain.GENESIS):
        judge.fail(carrier_id, code, seq, PREV)
        return
    fields = (*row[:13], json.loads(row[13]))
    if chain.link(prev_hash, _fields(fields, code, names), "sha256") != stored_hash:
        judge.fail(carrier_id, code, seq, CONTENT)
        return
    if last and (head_seq != seq or head_hash != stored_hash):
        judge.fail(carrier_id, code, seq + 1, HEAD.format(seq=seq, head=head_seq))


def _kept_heads(report: Report, carrier_ids: Collection[int] | None) -> None:
    """Every head a daily checkpoint kept must still be an event with that hash."""
    sql = (
        "SELECT c.code, h.seq FROM custody_checkpoint_head h "
        "JOIN registry_carrier c ON c.id = h.carrier_id "
        "WHERE NOT EXISTS (SELECT 1 FROM custody_event e WHERE e.carrier_id = h.carrier_id "
        "AND e.seq = h.seq AND e.hash = h.hash)"
    )
    params: list[Any] = []
    if carrier_ids is not None:
        ids = list(carrier_ids)
        if not ids:
            return
        sql += f" AND h.carrier_id IN ({', '.join(['%s'] * len(ids))})"
        params = ids
    broken = {b.carrier for b in report.broken}
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY c.code, h.seq", params)
        for code, seq in cursor.fetchall():
            if code not in broken:
                broken.add(code)
                report.broken.append(Break(code, seq, KEPT))
