"""The sweep: every detector once, now. Its cost follows what is due, not what exists.

1. Due carriers: read ``WHERE due_at <= now AND recheck_at IS NULL ORDER BY due_at LIMIT
   batch`` through the partial index ``carrier_due_unchecked_idx`` and lock them ``FOR
   UPDATE SKIP LOCKED``
   (PostgreSQL): a second sweep skips rows the first holds, and neither waits on a desk.
   Rows already judged wait for their re-check instead: ``WHERE recheck_at <= now``
   through ``carrier_recheck_at_idx``.
2. Claim them with a conditional update — ``SET recheck_at = now + recheck WHERE id IN
   (…) AND due_at <= now AND (recheck_at IS NULL OR recheck_at <= now) RETURNING id`` —
   and keep only the rows it returns: a row a scan moved on (returned, received) in the
   meantime is not claimed. ``due_at`` itself is never moved: it stays the deadline the
   carrier missed, which the pages, registers and API show until it comes back. On SQLite the
   IMMEDIATE transaction serialises sweeps and the condition does the same job.
3. Judge each claimed row (``detectors.detect_due``). A row no detector can judge keeps
   its pushed-forward re-check, is logged and reported, and the sweep goes on.
4. Open the cases (``INSERT … ON CONFLICT DO NOTHING``) and write their deliveries, in
   the transaction of steps 1–3. Repeat while a batch came back full.
5. Reminders and escalations: the same claim on ``alerts_alert.remind_at`` /
   ``escalate_at``, each claimed case getting its round's deliveries.
6. With ``daily=True``: the period and departure detectors, which also resolve the cases
   whose carrier no longer qualifies.
7. The apps above whose deadlines live in their own rows (a return campaign's) open their
   cases through the kernel hook ``sweep_due`` (backend/hooks.py), between steps 4 and 5.

The ``recheck_at`` is a re-check, not a second alert: when it comes due with the case
still open the insert finds the open case and does nothing.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from backend.alerts import detectors
from backend.alerts.models import Alert, AlertKind, AlertStatus
from backend.alerts.outbox import deliveries_write
from backend.alerts.services import Finding, alerts_open, alerts_resolve
from backend.claims import due_claim
from backend.hooks import send_required, sweep_due
from backend.registry.models import Carrier, Person

log = logging.getLogger(__name__)


@dataclass(slots=True)
class SweepReport:
    due: int = 0
    opened: int = 0
    failed: list[str] = field(default_factory=list)  # carrier codes no detector could judge
    reminded: int = 0
    escalated: int = 0
    daily_opened: int = 0
    daily_resolved: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "due": self.due,
            "opened": self.opened,
            "failed": self.failed,
            "reminded": self.reminded,
            "escalated": self.escalated,
            "daily_opened": self.daily_opened,
            "daily_resolved": self.daily_resolved,
            "seconds": round(self.seconds, 4),
        }


def _prep(value: datetime) -> datetime | str:  # str: SQLite stores text
    return Carrier._meta.get_field("due_at").get_db_prep_save(value, connection=connection)


_COLUMNS = "id, code, status, due_at, custodian_id"


def _claim_due(now: datetime, batch: int, timings: dict[str, float]) -> list[detectors.DueRow]:
    table = Carrier._meta.db_table
    lock = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    recheck = now + timedelta(seconds=settings.CUSTOS_REMIND_SECONDS)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Each arm of the OR matches one partial index (see their comments), so PostgreSQL
        # ORs two index scans and never walks the overdue carriers already judged.
        cursor.execute(
            f"SELECT {_COLUMNS} FROM {table} "  # noqa: S608 - constants
            "WHERE (due_at <= %s AND recheck_at IS NULL) OR (recheck_at <= %s AND due_at <= %s) "
            f"ORDER BY due_at LIMIT %s{lock}",
            [_prep(now), _prep(now), _prep(now), batch],
        )
        found = cursor.fetchall()
        timings["find"] = timings.get("find", 0.0) + time.perf_counter() - started
        if not found:
            return []
        ids = [row[0] for row in found]
        # The deadline stays as recorded; only the sweep's next look moves.
        cursor.execute(
            f"UPDATE {table} SET recheck_at = %s "  # noqa: S608
            f"WHERE id IN ({', '.join(['%s'] * len(ids))}) AND due_at <= %s "
            "AND (recheck_at IS NULL OR recheck_at <= %s) RETURNING id",
            [_prep(recheck), *ids, _prep(now), _prep(now)],
        )
        claimed = {row[0] for row in cursor.fetchall()}
    timings["claim"] = timings.get("claim", 0.0) + time.perf_counter() - started
    converter = Carrier._meta.get_field("due_at")
    holders = dict(
        Person.objects.filter(id__in={row[4] for row in found}).values_list("id", "code")
    )
    rows = []
    for carrier_id, code, status, due_at, custodian_id in found:
        if carrier_id not in claimed:
            continue  # a scan or another sweep moved it on: not ours to judge
        if isinstance(due_at, str):  # SQLite hands back text through a raw cursor
            due_at = converter.to_python(due_at)
        if timezone.is_naive(due_at):
            due_at = timezone.make_aware(due_at, UTC)
        rows.append(detectors.DueRow(carrier_id, code, status, due_at, holders.get(custodian_id)))
    return rows


def _sweep_due(now: datetime, batch: int, report: SweepReport) -> None:
    while True:
        with transaction.atomic():
            rows = _claim_due(now, batch, report.timings)
            findings: list[Finding] = []
            for row in rows:
                try:
                    findings.append(detectors.detect_due(row))
                except Exception as exc:  # one bad row never stops the sweep
                    log.error("sweep: carrier %s not judged (%s); re-checked later", row.code, exc)
                    report.failed.append(row.code)
            started = time.perf_counter()
            report.opened += len(alerts_open(findings=findings, now=now))
            report.timings["open"] = report.timings.get("open", 0.0) + time.perf_counter() - started
        report.due += len(rows)
        if len(rows) < batch:
            return


def _reminders(now: datetime, batch: int, report: SweepReport) -> None:
    """Claim due reminders, then due escalations, a batch per transaction."""
    while True:
        with transaction.atomic():
            ids = due_claim(
                Alert.objects.filter(remind_at__lte=now).exclude(status=AlertStatus.RESOLVED),
                order_by=("remind_at", "id"),
                limit=batch,
                remind_at=now + timedelta(seconds=settings.CUSTOS_REMIND_SECONDS),
                reminders=F("reminders") + 1,
            )
            if ids:
                rounds: dict[int, list[int]] = defaultdict(list)
                for alert_id, n in Alert.objects.filter(id__in=ids).values_list("id", "reminders"):
                    rounds[n].append(alert_id)
                for n, alert_ids in rounds.items():
                    deliveries_write(alert_ids=alert_ids, round=n, now=now)
        report.reminded += len(ids)
        if len(ids) < batch:
            break
    while True:
        with transaction.atomic():
            ids = due_claim(
                Alert.objects.filter(status=AlertStatus.OPEN, escalate_at__lte=now),
                order_by=("escalate_at", "id"),
                limit=batch,
                escalate_at=None,
                escalated_at=now,
            )
            if ids:
                deliveries_write(alert_ids=ids, round=0, now=now, escalation=True)
        report.escalated += len(ids)
        if len(ids) < batch:
            break


def _daily(now: datetime, report: SweepReport) -> None:
    today = timezone.localdate(now)
    for kind, detect in (
        (AlertKind.PERIOD_EXPIRING, detectors.period_expiring),
        (AlertKind.HOLDER_DEPARTING, detectors.holder_departing),
    ):
        with transaction.atomic():
            findings = detect(today=today)
            report.daily_opened += len(alerts_open(findings=findings, now=now))
            report.daily_resolved += alerts_resolve(
                kind=kind, keep_carrier_ids={f.carrier_id for f in findings if f.carrier_id}
            )


def sweep_run(
    *, now: datetime | None = None, batch: int | None = None, daily: bool = False
) -> SweepReport:
    """Run the detectors once (see the module docstring); safe to run on many workers."""
    started = time.perf_counter()
    now = now or timezone.now()
    batch = batch or settings.CUSTOS_SWEEP_BATCH
    report = SweepReport()
    _sweep_due(now, batch, report)
    report.opened += sum(send_required(sweep_due, now=now))
    _reminders(now, batch, report)
    if daily:
        _daily(now, report)
    report.seconds = time.perf_counter() - started
    if report.opened or report.failed:
        log.info("sweep: %s", report.as_dict())
    return report
