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

_redis = settings.CUSTOS_REDIS_URL
_embedded_broker = f"sqla+sqlite:///{settings.VAR_DIR / 'celery-broker.sqlite3'}"
# The longest countdown or ETA any task uses; the broker's visibility timeout must exceed
# it, or Redis would hand a still-waiting task to a second worker.
LONGEST_COUNTDOWN = timedelta(hours=2)

app.conf.update(
    broker_url=_redis or _embedded_broker,
    broker_connection_retry_on_startup=True,
    broker_transport_options={"visibility_timeout": int(LONGEST_COUNTDOWN.total_seconds()) * 2},
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
        "ledger-checkpoint-daily": {
            "task": "worker.tasks.ledger_checkpoint",
            "schedule": crontab(hour=0, minute=5),
        },
        "ledger-verify-nightly": {
            "task": "worker.tasks.ledger_verify",
            "schedule": crontab(hour=1, minute=30),
        },
    },
)
app.autodiscover_tasks(["worker"], related_name="tasks", force=True)
