"""The one way backend code queues work for the worker: ``enqueue(task, *args)``.

The Celery app is made here, in the kernel, so that an app low in the layers can queue a
task by name without importing ``worker/`` (which sits on top and imports the services
its tasks call). ``worker/app.py`` takes this same app, adds the beat schedule and
registers the tasks, every one of which lives in ``worker/tasks.py``.

Redis carries work, never state: a task's job row is written first and commits before the
message is sent (``transaction.on_commit``), so a broker that is down only delays it.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import Celery
from django.conf import settings

log = logging.getLogger(__name__)

app = Celery("custos")

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
)


def task_name(task: str) -> str:
    """The registered name of a task in ``worker/tasks.py`` (it routes by this name)."""
    return f"worker.tasks.{task}"


def enqueue(task: str, *args: Any, **options: Any) -> bool:
    """Send ``worker.tasks.<task>(*args)``; False if the broker could not take it.

    ``options`` go to Celery's ``send_task`` (``countdown``, ``queue`` …). A failure is
    logged, not raised: the caller's job row stays queued and is picked up again.
    """
    try:
        app.send_task(task_name(task), args=list(args), **options)
    except Exception:
        log.exception("could not queue %s%r; its job stays queued", task, args)
        return False
    return True
