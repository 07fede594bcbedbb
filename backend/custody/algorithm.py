"""The ledger's hash, chosen once when the ledger is created (issue 13).

A unit chooses ``sha256`` (the default) or ``sm3`` (国密) with ``CUSTOS_LEDGER_HASH``
before its ledger exists; migration 0004 records the choice in ``custody_ledger``. New
events are hashed with the setting, so ingest asks the database nothing more; the startup
checks (backend/custody/startup.py) refuse to run when the setting and the record
disagree, and verifying and signing use the recorded choice.

Raw SQL and no models: the startup checks read it while the app registry loads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from backend.custody import merkle
from backend.errors import ServiceError


def recorded() -> str | None:
    """The hash recorded when the ledger was created; None where none is (a database
    emptied by a test's flush)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM custody_ledger WHERE id = 1")
        row = cursor.fetchone()
    return str(row[0]) if row else None


def chain_hash() -> str:
    """The hash the ledger's chains were written with: the record, else the setting."""
    return recorded() or settings.CUSTOS_LEDGER_HASH


def mismatch(wanted: str, chosen: str) -> str:
    """The refusal, in both languages: the operator reading it may read either."""
    return (
        f"CUSTOS_LEDGER_HASH is {wanted}, but this ledger was created with {chosen}: the"
        " choice is fixed when the ledger is created."
        f" CUSTOS_LEDGER_HASH 为 {wanted}，但本台账创建时选定的是 {chosen}："
        "该选择在台账创建时即已固定。"
    )


def ledger_hash() -> str:
    """The hash a new checkpoint uses: the ledger's, which the setting must still name and
    this machine must offer."""
    wanted = settings.CUSTOS_LEDGER_HASH
    chosen = recorded() or wanted
    if chosen != wanted:
        raise ServiceError(
            "conflict",
            _(
                "CUSTOS_LEDGER_HASH is %(wanted)s but this ledger was created with %(first)s;"
                " the choice is fixed when the ledger is created."
            )
            % {"wanted": wanted, "first": chosen},
        )
    try:
        merkle.hasher(wanted)
    except merkle.HashUnavailable as exc:
        raise ServiceError("invalid", str(exc)) from exc
    return wanted
