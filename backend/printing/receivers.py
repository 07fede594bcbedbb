"""What printing does when a lower app fires a hook (connected in ``PrintingConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from backend.printing.models import PrintedLabel
from backend.queue import enqueue
from backend.registry.models import Carrier, Person


def reprint_raised(sender: Any, *, carrier: Carrier, actor: Person, **kwargs: Any) -> bool:
    """A medium's level rose: its printed label shows the old marking, so reprint it.

    Queued after the decision commits, so a printer that is down never undoes a 定密
    decision; a carrier whose label was never printed has nothing to replace. True when a
    reprint was queued.
    """
    if not PrintedLabel.objects.filter(carrier=carrier, printed_at__isnull=False).exists():
        return False
    carrier_id = carrier.pk
    transaction.on_commit(lambda: enqueue("labels_reprint_raised", carrier_id))
    return True
