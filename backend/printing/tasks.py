"""The bulk print task: takes the job's id, calls one service, returns.

A ``shared_task`` so that this app registers it itself (``PrintingConfig.ready``) in the
web process and in the worker alike; it runs on the ``slow`` queue (routed by its name),
away from the ledger and alert tasks. Safe to run twice: the job row holds the position.
"""

from __future__ import annotations

from celery import shared_task


# The name puts it under worker.app's ``worker.tasks.slow_*`` route: the ``slow`` queue.
@shared_task(name="worker.tasks.slow_labels_print", acks_late=True)
def slow_labels_print(job_id: int) -> dict[str, int]:
    from backend.printing.services import bulk_print_run

    job = bulk_print_run(job_id=job_id)
    return {"done": job.done, "total": job.total, "failed": len(job.failed)}
