"""The Celery app: configuration from the environment, queues, and the beat schedule.

Tasks are thin: they take ids, call one backend service, and return. With ``REDIS_URL``
unset (the embedded default) the broker is a SQLite file through kombu's SQLAlchemy
transport, so `custos serve` needs no server. Redis carries work, never state: the
database is the source of truth and every task is safe to run twice.
"""

from __future__ import annotations

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

app = Celery("custos")

_COB_HOUR, _COB_MINUTE = (int(x) for x in settings.CUSTOS_CLOSE_OF_BUSINESS.split(":"))

_redis = settings.CUSTOS_REDIS_URL
_embedded_broker = f"sqla+sqlite:///{settings.VAR_DIR / 'celery-broker.sqlite3'}"
# The longest countdown or ETA any task uses; the broker's visibility timeout must exceed
# it, or Redis would hand a still-waiting task to a second worker.
LONGEST_COUNTDOWN = timedelta(hours=2)

app.conf.update(
    broker_url=_redis or _embedded_broker,
    broker_connection_retry_on_startup=True,
    # Only Redis knows a visibility timeout; the SQLAlchemy transport hands its options to
    # create_engine(), which refuses unknown ones (the embedded worker would not start).
    broker_transport_options=(
        {"visibility_timeout": int(LONGEST_COUNTDOWN.total_seconds()) * 2} if _redis else {}
    ),
    task_ignore_result=True,
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue="default",
    task_routes={
        "worker.tasks.ledger_*": {"queue": "default"},
        "worker.tasks.slow_*": {"queue": "slow"},
        "worker.tasks.alerts_*": {"queue": "alerts"},
    },
    timezone=settings.CUSTOS_TIME_ZONE,
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
        "ledger-verify-nightly": {
            "task": "worker.tasks.ledger_verify",
            "schedule": crontab(hour=1, minute=30),
        },
    },
)
app.autodiscover_tasks(["worker"], related_name="tasks", force=True)
