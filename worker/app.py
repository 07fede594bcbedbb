"""The Celery app: configuration from the environment, queues, and the beat schedule.

Tasks are thin: they take ids, call one backend service, and return. With ``REDIS_URL``
unset (the embedded default) the broker is a SQLite file through kombu's SQLAlchemy
transport, so `custos serve` needs no server. Redis carries work, never state: the
database is the source of truth and every task is safe to run twice.
"""

from __future__ import annotations

import os

from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

# The app itself and its broker, routes and timezone are the backend's (backend/queue.py):
# backend code queues tasks through it by name without importing this package.
from backend.queue import LONGEST_COUNTDOWN, app  # noqa: E402

__all__ = ["LONGEST_COUNTDOWN", "app"]

_COB_HOUR, _COB_MINUTE = (int(x) for x in settings.CUSTOS_CLOSE_OF_BUSINESS.split(":"))

app.conf.update(
    beat_schedule={
        # Deadlines, reminders and escalations: cheap (it reads only what is due), so often.
        "alerts-sweep": {
            "task": "worker.tasks.alerts_sweep",
            "schedule": float(settings.CUSTOS_SWEEP_SECONDS),
            "options": {"expires": float(settings.CUSTOS_SWEEP_SECONDS)},
        },
        # The outbox's catch-up: whatever a lost message, a dead worker or a broker outage
        # left pending goes out here.
        "alerts-deliver": {
            "task": "worker.tasks.alerts_deliver",
            "schedule": float(settings.CUSTOS_DELIVERY_SECONDS),
            "options": {"expires": float(settings.CUSTOS_DELIVERY_SECONDS)},
        },
        # Secrecy periods ending and holders leaving change by the day.
        "alerts-sweep-daily": {
            "task": "worker.tasks.alerts_sweep",
            "schedule": crontab(hour=6, minute=0),
            "kwargs": {"daily": True},
        },
        # 自行解密 on the day the period ends: just after local midnight, so a carrier is
        # declassified on its end date, not the morning after.
        "classification-declassify-daily": {
            "task": "worker.tasks.classification_declassify",
            "schedule": crontab(hour=0, minute=1),
        },
        "inventory-reminders-daily": {
            "task": "worker.tasks.inventory_reminders",
            "schedule": crontab(hour=6, minute=10),
        },
        # Exported registers are classified copies on disk: kept only to be downloaded.
        "registers-prune-hourly": {
            "task": "worker.tasks.slow_registers_prune",
            "schedule": crontab(minute=20),
        },
        # The signed checkpoint at close of business: the day's custody, published.
        "ledger-checkpoint-daily": {
            "task": "worker.tasks.ledger_checkpoint",
            "schedule": crontab(hour=_COB_HOUR, minute=_COB_MINUTE),
        },
        # A sealed copy of the database every night (README "Backup, restore, drill"), a
        # check in the morning that one exists, and a restore drill every week.
        "backup-nightly": {
            "task": "worker.tasks.slow_backup_nightly",
            "schedule": crontab(hour=2, minute=30),
        },
        "backup-missing-daily": {
            "task": "worker.tasks.alerts_backup_missing",
            "schedule": crontab(hour=7, minute=0),
        },
        "backup-drill-weekly": {
            "task": "worker.tasks.slow_backup_drill",
            "schedule": crontab(hour=3, minute=30, day_of_week="sun"),
        },
        # Findings: the reminder before a rectification deadline, the case after it.
        "inspection-findings-sweep": {
            "task": "worker.tasks.inspection_findings_sweep",
            "schedule": float(settings.CUSTOS_SWEEP_SECONDS),
            "options": {"expires": float(settings.CUSTOS_SWEEP_SECONDS)},
        },
        "ledger-verify-nightly": {
            "task": "worker.tasks.ledger_verify",
            "schedule": crontab(hour=1, minute=30),
        },
        # The return campaigns' notices to holders: the catch-up for what a lost message or a
        # refusing mail server left pending (opening a campaign queues the first pass).
        "campaigns-notify": {
            "task": "worker.tasks.campaigns_notify",
            "schedule": float(settings.CUSTOS_DELIVERY_SECONDS),
            "options": {"expires": float(settings.CUSTOS_DELIVERY_SECONDS)},
        },
    },
)
app.autodiscover_tasks(["worker"], related_name="tasks", force=True)
