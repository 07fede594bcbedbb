"""Exporting a register: one read-only snapshot, rendered as it streams."""

from __future__ import annotations

from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.registers import render
from backend.registers.selectors import Filters, register_open
from backend.registry.principals import Principal


def register_export(
    *, principal: Principal, name: str, fmt: str, filters: Filters, out: IO[bytes]
) -> str:
    """Write register ``name`` as ``fmt`` (``xlsx`` or ``pdf``) to ``out``; return its title.

    Chunks are read by key (``id > last``), so a row that existed when the export began is
    read exactly once however long the export takes, and a carrier added meanwhile is either
    in the register whole or not at all.
    """
    generated = timezone.now().astimezone(ZoneInfo(settings.CUSTOS_TIME_ZONE))
    with transaction.atomic():
        register = register_open(principal=principal, name=name, filters=filters)
        writer = render.xlsx if fmt == "xlsx" else render.signed_pdf
        writer(register, out, generated=generated)
    return register.title
