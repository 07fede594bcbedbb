"""``verify --against``: does today's ledger extend what a signed statement published?

For each statement: it must be authentic (signature under a known public key, every byte
as signed); every carrier it covered must still exist with the event the statement named
as its head (same seq, same hash) in a chain that still verifies; and the counts must not
have gone down. The heads come from the statement's file when it carries them (written by
``custos checkpoint --out``), otherwise from the database's copy, which is itself checked
against the signed root first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice

from django.db import connection
from django.utils.translation import gettext as _

from backend.custody import merkle
from backend.custody.models import CustodyEvent, SignedCheckpoint
from backend.custody.statements import (
    HEADS_AT,
    Head,
    HeadLines,
    NotAuthentic,
    Statement,
    checkpoint_heads,
    statement_read,
)
from backend.custody.verify import ledger_verify
from backend.registry.models import Carrier

_BATCH = 1000


@dataclass(slots=True)
class Finding:
    carrier: str
    reason: str


@dataclass(slots=True)
class AgainstReport:
    statements: int = 0
    not_authentic: list[tuple[str, str]] = field(default_factory=list)  # (source, why)
    changed: list[Finding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what names no single carrier

    @property
    def exit_code(self) -> int:
        if self.not_authentic:
            return 2
        return 1 if self.changed or self.problems else 0


# The covered heads (a relation ``h``) the ledger no longer holds as covered: the carrier is
# gone, or its event at that seq is gone or has another hash. One query, hash-joined.
_MISSING = (
    "SELECT h.code, h.seq, c.id, e.hash FROM ({covered}) AS h "
    "LEFT JOIN registry_carrier c ON c.code = h.code "
    "LEFT JOIN custody_event e ON e.carrier_id = c.id AND e.seq = h.seq "
    "WHERE c.id IS NULL OR (h.seq > 0 AND (e.hash IS NULL OR e.hash <> h.hash))"
)


def _findings(rows: Iterable[tuple[str, int, int | None, str | None]]) -> list[Finding]:
    found = []
    for code, seq, carrier_id, have in rows:
        if carrier_id is None:
            found.append(Finding(code, _("the carrier is gone from the ledger")))
        elif have is None:
            found.append(Finding(code, _("its event seq %(seq)s is gone") % {"seq": seq}))
        else:
            found.append(Finding(code, _("its event seq %(seq)s was changed") % {"seq": seq}))
    return found


def heads_missing(heads: Iterable[Head]) -> list[Finding]:
    """Each of these heads the ledger no longer holds (loaded into a temporary table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE custos_covered "
            "(code varchar(24) NOT NULL, seq integer NOT NULL, hash varchar(128) NOT NULL)"
        )
        try:
            if connection.vendor == "postgresql":
                with cursor.copy("COPY custos_covered (code, seq, hash) FROM STDIN") as copy:
                    for head in heads:
                        copy.write_row(head)
            else:
                it = iter(heads)
                while batch := list(islice(it, _BATCH)):
                    cursor.executemany("INSERT INTO custos_covered VALUES (%s, %s, %s)", batch)
            cursor.execute(_MISSING.format(covered="SELECT code, seq, hash FROM custos_covered"))
            return _findings(cursor.fetchall())
        finally:
            cursor.execute("DROP TABLE custos_covered")


def stored_heads_missing(checkpoint_id: int) -> list[Finding]:
    """The same for the heads the database keeps for checkpoint ``checkpoint_id``."""
    with connection.cursor() as cursor:
        cursor.execute(_MISSING.format(covered=HEADS_AT), [checkpoint_id])
        return _findings(cursor.fetchall())


def _check_one(
    statement: Statement, heads: HeadLines | None, source: str, report: AgainstReport
) -> None:
    if heads is None:
        stored = SignedCheckpoint.objects.filter(pk=statement.id, root=statement.root).exists()
        if not stored:
            report.problems.append(
                _("%(source)s: checkpoint %(id)s is no longer in the database as signed")
                % {"source": source, "id": statement.id}
            )
        rebuilt = merkle.root_of(checkpoint_heads(statement.id), statement.hash)
        if rebuilt != statement.root:
            report.problems.append(
                _(
                    "%(source)s: the database's copy of checkpoint %(id)s's carrier heads was"
                    " changed; verify against the file `custos checkpoint --out` wrote to name"
                    " every carrier"
                )
                % {"source": source, "id": statement.id}
            )
        report.changed.extend(stored_heads_missing(statement.id))
    else:
        report.changed.extend(heads_missing(heads))
    carriers = Carrier.objects.count()
    if carriers < statement.carriers:
        report.problems.append(
            _("%(source)s: the ledger holds %(now)s carriers, the statement %(then)s")
            % {"source": source, "now": carriers, "then": statement.carriers}
        )


def ledger_verify_against(
    documents: Iterable[tuple[str, bytes]], *, chains: bool = True
) -> AgainstReport:
    """Check the ledger against each ``(source name, file bytes)``, read one at a time (a
    file's bytes may go once its statement is read: its heads keep only the text).

    ``chains=False`` leaves out recomputing every chain (plain ``custos verify``, which beat
    runs nightly): the heads are still checked, so a removed or rechained history is still
    named, but an event edited in place without its hash is left to plain verify.
    """
    report = AgainstReport()
    read: list[tuple[str, Statement, HeadLines | None]] = []
    for source, data in documents:
        try:
            statement, heads = statement_read(data)
        except NotAuthentic as exc:
            report.not_authentic.append((source, str(exc)))
            continue
        finally:
            del data  # the loop would keep the last file's bytes to the end
        read.append((source, statement, heads))
    report.statements = len(read)
    if report.not_authentic:
        return report
    for source, statement, heads in read:
        _check_one(statement, heads, source, report)
    # A head can match while an event before it was edited in place: the chains must
    # still verify from their first event, and the events must not have become fewer.
    if not chains:
        events = CustodyEvent.objects.count()
        for source, statement, _heads in read:
            if events < statement.events:
                report.problems.append(
                    _("%(source)s: the ledger holds %(now)s events, the statement %(then)s")
                    % {"source": source, "now": events, "then": statement.events}
                )
        return _tidy(report)
    chains_report = ledger_verify()
    for b in chains_report.broken:
        report.changed.append(
            Finding(
                b.carrier,
                _("its chain breaks at seq %(seq)s: %(reason)s")
                % {"seq": b.seq, "reason": b.reason},
            )
        )
    for source, statement, _heads in read:
        if chains_report.events < statement.events:
            report.problems.append(
                _("%(source)s: the ledger holds %(now)s events, the statement %(then)s")
                % {"source": source, "now": chains_report.events, "then": statement.events}
            )
    return _tidy(report)


def _tidy(report: AgainstReport) -> AgainstReport:
    # Several statements name the same loss: say it once per carrier and reason.
    unique = {(f.carrier, f.reason): f for f in report.changed}
    report.changed = sorted(unique.values(), key=lambda f: (f.carrier, f.reason))
    return report
