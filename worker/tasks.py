"""Celery tasks: each takes ids (or nothing), calls one service, returns.

Every task is idempotent: the database decides what is due, claims it with a conditional
update, and a task that runs twice (a redelivered message, two beats) finds nothing left.
"""

from __future__ import annotations

import logging
from typing import Any

# First: worker.app sets Django up, which the services' models need.
from worker.app import app  # isort: skip

from backend.alerts.ledger import ledger_check_and_alert
from backend.alerts.outbox import deliveries_send
from backend.alerts.publish import statement_deliveries_send
from backend.alerts.sweep import sweep_run
from backend.backups.schedule import backup_check_missing, backup_drill, backup_nightly
from backend.campaigns.notices import notices_send
from backend.classification.declassify import carriers_declassify_due
from backend.custody.checkpoints import checkpoint_create
from backend.custody.statements import checkpoint_sign
from backend.imports.jobs import import_run
from backend.inspection.findings import findings_sweep
from backend.inventory.reminders import inventory_reminders_run
from backend.printing.services import bulk_print_run, label_reprint_raised
from backend.registers.jobs import register_export_run, register_exports_prune

log = logging.getLogger(__name__)


@app.task(name="worker.tasks.ledger_checkpoint")
def ledger_checkpoint() -> str:
    """Close of business: today's fold and a signed checkpoint; answers the signed root."""
    checkpoint_create()
    root = checkpoint_sign().root
    _kick_sender()  # the statement's outbox rows committed with it
    return root


@app.task(name="worker.tasks.ledger_verify")
def ledger_verify() -> dict[str, Any]:
    return ledger_check_and_alert()


@app.task(name="worker.tasks.alerts_sweep")
def alerts_sweep(daily: bool = False) -> dict[str, object]:
    """Run the detectors, then hand the new deliveries to the sender at once: the cases
    one sweep opened leave together, as one e-mail digest."""
    report = sweep_run(daily=daily)
    if report.opened or report.reminded or report.escalated or report.daily_opened:
        _kick_sender()
    return report.as_dict()


@app.task(name="worker.tasks.alerts_deliver")
def alerts_deliver() -> dict[str, object]:
    """Send what is due in the outbox; if a send failed, come back when its backoff ends.

    Only a pass that itself saw a failure schedules the follow-up, so failing deliveries
    are carried by one chain of retries, not by one more chain per sweep. The beat's
    catch-up pass finds anything a lost message or a dead worker left behind.
    """
    report = deliveries_send()
    statements = statement_deliveries_send()
    waits = [r.retry_in for r in (report, statements) if r.retry_in is not None]
    if waits:
        _kick_sender(countdown=max(1.0, min(waits)))
    return {
        "claimed": report.claimed + statements.claimed,
        "sent": report.sent + statements.sent,
        "failed": report.failed + statements.failed,
    }


@app.task(name="worker.tasks.classification_declassify")
def classification_declassify() -> dict[str, object]:
    """自行解密: declassify every carrier whose secrecy period ended (safe to run twice)."""
    return carriers_declassify_due().as_dict()


@app.task(name="worker.tasks.inventory_reminders")
def inventory_reminders() -> dict[str, object]:
    """年度清查提醒: open a reminder per location overdue for its annual stocktake."""
    return inventory_reminders_run().as_dict()


# ``slow_*``: routed to the ``slow`` queue, away from the ledger and the alerts.
@app.task(name="worker.tasks.slow_registers_export", acks_late=True)
def slow_registers_export(job_id: int) -> dict[str, object]:
    """A register export for the pages (backend.registers.jobs); safe to run twice."""
    job = register_export_run(job_id=job_id)
    return {"status": job.status, "done": job.done, "total": job.total}


@app.task(name="worker.tasks.slow_imports_run", acks_late=True)
def slow_imports_run(job_id: int) -> dict[str, object]:
    """A large register import (backend.imports.jobs); safe to run twice: the import is one
    transaction, and rows already present are counted, not added."""
    job = import_run(job_id=job_id)
    return {"status": job.status, "done": job.done, "report": job.report.get("new")}


@app.task(name="worker.tasks.slow_registers_prune")
def slow_registers_prune() -> int:
    """Delete register export files past their keeping time (backend.registers.jobs)."""
    return register_exports_prune()


@app.task(name="worker.tasks.slow_labels_print", acks_late=True)
def slow_labels_print(job_id: int) -> dict[str, int]:
    """A bulk label print (backend.printing); safe to run twice: the job row holds the
    position."""
    job = bulk_print_run(job_id=job_id)
    return {"done": job.done, "total": job.total, "failed": len(job.failed)}


@app.task(name="worker.tasks.labels_reprint_raised")
def labels_reprint_raised(carrier_id: int) -> str | None:
    """A medium's level rose: reprint its label at the new level (backend.printing)."""
    result = label_reprint_raised(carrier_id=carrier_id)
    return result.label.code if result else None


def _kick_sender(countdown: float = 0.0) -> None:
    try:
        if countdown:
            alerts_deliver.apply_async(countdown=countdown)
        else:
            alerts_deliver.apply_async()
    except Exception as exc:  # the rows wait in the outbox
        log.warning("could not queue the sender (%s); the catch-up pass will send", exc)


@app.task(name="worker.tasks.slow_backup_nightly")
def slow_backup_nightly() -> dict[str, object]:
    """The nightly backup into CUSTOS_BACKUP_DIR, then the rotation (backend.backups)."""
    return backup_nightly()


@app.task(name="worker.tasks.slow_backup_drill")
def slow_backup_drill() -> dict[str, object]:
    """The weekly restore drill: the latest backup into a scratch database, verified."""
    return backup_drill().as_dict()


@app.task(name="worker.tasks.alerts_backup_missing")
def alerts_backup_missing() -> bool:
    """Open a ``backup_failed`` case when no good backup finished lately."""
    return backup_check_missing()


@app.task(name="worker.tasks.campaigns_notify")
def campaigns_notify() -> dict[str, int]:
    """Send the return campaigns' notices to their holders (backend.campaigns.notices)."""
    return notices_send()


@app.task(name="worker.tasks.inspection_findings_sweep")
def inspection_findings_sweep() -> dict[str, int]:
    """Reminders before rectification deadlines, and the cases of findings past them; the
    new cases' deliveries leave at once."""
    report = findings_sweep()
    if report.opened:
        _kick_sender()
    return report.as_dict()
