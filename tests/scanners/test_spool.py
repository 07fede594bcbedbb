"""The spool: order, states, and durability when the process is SIGKILLed mid-write."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from labels.codes import Kind
from scanners.spool import Outcome, Spool, new_scan
from tests.scanners.conftest import ROOT, code

ACTOR = code(Kind.PERSON)


def scans(n: int, carrier: str | None = None) -> list:
    return [new_scan(action="inventory", carrier=carrier or code(), actor=ACTOR) for _ in range(n)]


def test_it_opens_the_file_in_wal_mode_with_full_sync(spool: Spool) -> None:
    assert spool._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert spool._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_it_hands_out_waiting_scans_in_enqueue_order(spool: Spool) -> None:
    ids = spool.enqueue(scans(5)) + spool.enqueue(scans(3))
    assert [p.id for p in spool.waiting(100)] == ids
    assert [p.id for p in spool.waiting(4)] == ids[:4]
    assert spool.counts() == {"waiting": 8, "sent": 0, "refused": 0}


def test_each_scan_carries_a_uuid4_and_an_occurred_at_with_an_offset(spool: Spool) -> None:
    (pending,) = (spool.enqueue(scans(1)), spool.waiting(1))[1]
    body = json.loads(pending.body)
    assert body["id"] == pending.id and len(body["id"]) == 36 and body["id"][14] == "4"
    assert body["occurred_at"][-6] in "+-" and body["occurred_at"][-3] == ":"
    assert "counterpart" not in body  # optional fields are left out, not null


def test_recorded_and_duplicate_are_sent_and_rejected_is_kept_with_its_error(
    spool: Spool,
) -> None:
    a, b, c = spool.enqueue(scans(3))
    spool.record(
        [
            Outcome(a, "recorded"),
            Outcome(b, "duplicate"),
            Outcome(c, "rejected", "invalid_transition", "already destroyed"),
        ]
    )
    assert spool.counts() == {"waiting": 0, "sent": 2, "refused": 1}
    (refusal,) = spool.refusals()
    assert (refusal.id, refusal.error_code, refusal.error_message) == (
        c,
        "invalid_transition",
        "already destroyed",
    )


def test_a_late_answer_never_moves_a_scan_backwards(spool: Spool) -> None:
    (a,) = spool.enqueue(scans(1))
    spool.record([Outcome(a, "rejected", "conflict", "lost a race")])
    spool.record([Outcome(a, "duplicate")])
    assert spool.counts() == {"waiting": 0, "sent": 0, "refused": 1}


def test_refusals_are_shown_once_as_unseen_and_listed_for_ever(spool: Spool) -> None:
    (a,) = spool.enqueue(scans(1))
    spool.record([Outcome(a, "rejected", "unknown_code", "no such carrier")])
    assert [r.id for r in spool.refusals(unseen_only=True)] == [a]
    spool.mark_seen([a])
    assert spool.refusals(unseen_only=True) == []
    assert [r.id for r in spool.refusals()] == [a]


_WRITER = """
import sys
from scanners.spool import Spool, new_scan
spool = Spool(sys.argv[1])
actor, k = sys.argv[2], int(sys.argv[3])
n = int(sys.argv[4])
while True:
    n += 1
    batch = [new_scan(action="inventory", carrier="C" + "X" * 3 + "1", actor=actor,
                      note=str(n)) for _ in range(k)]
    ids = spool.enqueue(batch)
    print(n, " ".join(ids), flush=True)
"""


def _kill_after(proc: subprocess.Popen[str], lines: int, extra: float) -> list[str]:
    assert proc.stdout is not None
    out = [proc.stdout.readline() for _ in range(lines)]
    time.sleep(extra)  # land the kill somewhere inside a later transaction
    proc.send_signal(signal.SIGKILL)
    rest, _ = proc.communicate()
    # Lines printed before the kill reached the pipe: their transactions committed.
    return [line for line in out + rest.splitlines() if line.strip()]


def test_a_sigkilled_writer_loses_no_committed_scan_and_leaves_no_half_handover(
    spool_path: Path,
) -> None:
    k = 7  # scans per handover: all or none must survive
    printed: list[str] = []
    last = 0
    for attempt in range(6):
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(spool_path), ACTOR, str(k), str(last)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        lines = _kill_after(proc, 20 + attempt * 5, 0.003 * attempt)
        printed += lines
        with Spool(spool_path) as spool:
            notes = [
                int(n)
                for (n,) in spool._db.execute("SELECT json_extract(body, '$.note') FROM scans")
            ]
        last = max(notes)

    db = sqlite3.connect(spool_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = [row[0] for row in db.execute("SELECT id FROM scans ORDER BY seq")]
    acked = [i for line in printed for i in line.split()[1:]]
    # Every scan whose enqueue returned is there, in the order it was written.
    assert [i for i in stored if i in set(acked)] == acked
    per_handover = db.execute(
        "SELECT json_extract(body, '$.note'), count(*) FROM scans GROUP BY 1"
    ).fetchall()
    assert {count for _, count in per_handover} == {k}


_MARKER = """
import sys
from scanners.spool import Outcome, Spool
spool = Spool(sys.argv[1])
statuses = ["recorded", "duplicate", "rejected"]
batch_no = 0
while batch := spool.waiting(50):
    spool.record([Outcome(p.id, statuses[(batch_no + i) % 3], "conflict", "raced")
                  for i, p in enumerate(batch)])
    print(batch_no, flush=True)
    batch_no += 1
"""


def test_a_sigkilled_sender_leaves_every_batch_either_answered_or_waiting(
    spool_path: Path,
) -> None:
    with Spool(spool_path) as spool:
        for _ in range(40):
            spool.enqueue(scans(50))
    proc = subprocess.Popen(
        [sys.executable, "-c", _MARKER, str(spool_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    done = len(_kill_after(proc, 10, 0.01))
    db = sqlite3.connect(spool_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    states = [row[0] for row in db.execute("SELECT state FROM scans ORDER BY seq")]
    answered = sum(s != "waiting" for s in states)
    # Answers are applied batch by batch, oldest first: a prefix of whole batches.
    assert answered % 50 == 0 and answered >= done * 50
    assert all(s == "waiting" for s in states[answered:])
    assert all(s != "waiting" for s in states[:answered])


def test_the_spool_file_is_readable_by_its_owner_only(spool_path: Path) -> None:
    Spool(spool_path).close()
    assert spool_path.stat().st_mode & 0o777 == 0o600


def test_connections_opening_a_new_spool_at_once_all_succeed(tmp_path: Path) -> None:
    """The desk loop and its sender thread open a fresh spool together; both switch it to
    WAL, and SQLite refuses one of them at once ("locked") rather than let them deadlock."""
    failures: list[BaseException] = []

    def open_close(path: Path, ready: threading.Barrier) -> None:
        ready.wait()
        try:
            with Spool(path) as spool:
                spool.counts()
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    for n in range(200):  # the window is narrow: ~1 in 10 pairs hit it before the fix
        path = tmp_path / f"spool-{n}.sqlite3"
        ready = threading.Barrier(2)
        threads = [threading.Thread(target=open_close, args=(path, ready)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert failures == []
