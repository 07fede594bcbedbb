"""What the security app does when a lower app fires a hook (connected on import, from
``security/subscriptions.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.dispatch import receiver

from backend.hooks import auditor_read, carriers_read
from backend.registry.models import Carrier
from backend.registry.principals import Principal
from backend.security.services import access_record, auditor_read_record


@receiver(carriers_read, dispatch_uid="security.access_log")
def write_access_log(
    sender: Any,
    *,
    principal: Principal,
    carriers: Iterable[Carrier],
    what: str,
    shown: set[int],
    **_: Any,
) -> int:
    return access_record(principal=principal, carriers=carriers, what=what, shown=shown)


@receiver(auditor_read, dispatch_uid="security.auditor_reads")
def write_auditor_read(
    sender: Any, *, principal: Principal, what: str, detail: str, **_: Any
) -> int:
    auditor_read_record(principal=principal, what=what, detail=detail)
    return 1
