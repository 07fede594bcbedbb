"""Celery tasks: each takes ids (or nothing), calls one service, returns."""

from __future__ import annotations

from typing import Any

from worker.app import app


@app.task(name="worker.tasks.ledger_checkpoint")
def ledger_checkpoint() -> str:
    from backend.custody.checkpoints import checkpoint_create

    return checkpoint_create().digest


@app.task(name="worker.tasks.ledger_verify")
def ledger_verify() -> dict[str, Any]:
    from backend.custody.services import ledger_check_and_alert

    return ledger_check_and_alert()
