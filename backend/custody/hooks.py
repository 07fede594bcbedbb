"""Where apps above custody join in when the ledger grows, without custody importing them.

Custody sits low in the layers (docs/architecture.md): alerts, inventory and printing
build on it, so it cannot call them. Instead they hand custody what it needs in their
``subscriptions.py`` (imported by ``CoreConfig.ready()``):

- ``event_appended`` — every list of events custody appends, inside the appending
  transaction (alerts: a ``custody_mismatch`` case for each sighting away from the ledger).
- ``condition_ended`` — the carriers whose scans may have ended a watched condition (the
  return that ends an overdue loan), with the SQL test that tells custody, while it locks
  them, whether anything is watched for a carrier at all: when nothing is, no handler runs
  and ingest makes no extra round trip (alerts: resolve the cases the scans ended).
- ``scan_check`` — a veto on scans before any lock (inventory: a sighting for a stocktake
  counts only while it is open and at its location).
- ``scan_due`` — the due time an app states for some scans, before any lock (carry-outs:
  a ``carry_out`` is due back at the end of its approved request's last day).
- ``code_resolver`` — which carrier a scanned code names (printing: a reprinted label's
  code names its carrier; a voided label is refused).

Handlers of ``event_appended`` and ``condition_ended`` run in the transaction that appends
the events, before their rows are written: they read the events from their arguments, and
the commit takes their writes and the events together or neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.registry.models import Carrier

# (index in the batch, the scan, its checked codes: carrier, actor, counterpart, escort,
# location) — the shape ingest passes around before the lock.
Checked = list[tuple[int, Any, dict[str, str | None]]]
Statement = tuple[str, Sequence[Any]]

EventsHandler = Callable[[Sequence[CustodyEvent]], object]
EndedHandler = Callable[[Sequence[Carrier], Sequence[CustodyEvent]], object]
ScanCheck = Callable[[Checked], dict[int, ServiceError]]
ScanDue = Callable[[Checked], dict[int, datetime]]


@dataclass(frozen=True, slots=True)
class ConditionWatch:
    """A subscriber to ``condition_ended``. ``open_sql``: a boolean SQL expression, with
    ``{carrier}`` standing for the locked carrier's id column, true when something is open
    for that carrier (evaluated under the lock, in the same statement)."""

    ended: EndedHandler
    open_sql: str


@dataclass(frozen=True, slots=True)
class CodeResolver:
    """Which carrier each scanned code names.

    ``resolve(checked=, reject=, found=None, recorded=None)`` returns the checked scans
    with their carrier codes rewritten and calls ``reject(index, error)`` for the refused;
    ``found`` is a lookup already made, ``recorded`` the scan ids known to be recorded.
    For PostgreSQL ingest, which sends the lookup along with its lock query:
    ``lookup_statement(checked)`` is that lookup (None when there is nothing to look up),
    ``found(rows)`` reads its rows, and ``carriers_sql(count)`` selects the ids of the
    carriers that ``count`` scanned codes (``%s`` each) may name, to lock them too.
    """

    resolve: Callable[..., Checked]
    lookup_statement: Callable[[Checked], Statement | None]
    found: Callable[[Iterable[Sequence[Any]]], dict[str, Any]]
    carriers_sql: Callable[[int], str]


def _same_codes(*, checked: Checked, **_: Any) -> Checked:
    return checked


def _no_lookup(checked: Checked) -> None:
    return None


# Codes name carriers directly until an app that prints labels says otherwise.
_PLAIN = CodeResolver(
    resolve=_same_codes,
    lookup_statement=_no_lookup,
    found=lambda rows: {},
    carriers_sql=lambda count: "",
)


@dataclass(slots=True)
class _Registry:
    appended: list[EventsHandler]
    watches: list[ConditionWatch]
    checks: list[ScanCheck]
    dues: list[ScanDue]
    resolver: CodeResolver
    open_sql: dict[str, str]


_hooks = _Registry(appended=[], watches=[], checks=[], dues=[], resolver=_PLAIN, open_sql={})


def on_event_appended(handler: EventsHandler) -> None:
    if handler not in _hooks.appended:
        _hooks.appended.append(handler)


def on_condition_ended(watch: ConditionWatch) -> None:
    if watch not in _hooks.watches:
        _hooks.watches.append(watch)
        _hooks.open_sql.clear()


def on_scan_check(check: ScanCheck) -> None:
    if check not in _hooks.checks:
        _hooks.checks.append(check)


def on_scan_due(due: ScanDue) -> None:
    if due not in _hooks.dues:
        _hooks.dues.append(due)


def code_resolver_set(resolver: CodeResolver) -> None:
    _hooks.resolver = resolver


def code_resolver() -> CodeResolver:
    return _hooks.resolver


def open_case_sql(carrier_id: str) -> str:
    """The lock query's ``has_open_case`` column: whether any watch has something open for
    the carrier whose id column is ``carrier_id``."""
    sql = _hooks.open_sql.get(carrier_id)
    if sql is None:
        # Built once per column name and list of watches: every scan batch asks.
        tests = [f"({w.open_sql.format(carrier=carrier_id)})" for w in _hooks.watches]
        sql = _hooks.open_sql[carrier_id] = " OR ".join(tests) or "1 = 0"
    return sql


def scans_checked(checked: Checked) -> dict[int, ServiceError]:
    """Every registered check's refusals, by batch index (the first refusal wins)."""
    refused: dict[int, ServiceError] = {}
    for check in _hooks.checks:
        for index, error in check(checked).items():
            refused.setdefault(index, error)
    return refused


def scans_due(checked: Checked) -> dict[int, datetime]:
    """The due times the apps state, by batch index (the first app to state one wins)."""
    dues: dict[int, datetime] = {}
    for due in _hooks.dues:
        for index, at in due(checked).items():
            dues.setdefault(index, at)
    return dues


def events_appended(events: Sequence[CustodyEvent]) -> None:
    for handler in _hooks.appended:
        handler(events)


def conditions_ended(carriers: Sequence[Carrier], events: Sequence[CustodyEvent]) -> None:
    for watch in _hooks.watches:
        watch.ended(carriers, events)
