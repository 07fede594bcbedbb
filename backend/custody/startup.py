"""Django system checks at startup: refuse to run with a ledger hash this machine cannot
compute, or with one other than the hash the ledger was created with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError, connection

from backend.custody import algorithm, merkle


@checks.register(checks.Tags.compatibility)
def ledger_hash_available(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        merkle.hasher(settings.CUSTOS_LEDGER_HASH)
    except merkle.HashUnavailable as exc:
        return [
            checks.Error(
                f"CUSTOS_LEDGER_HASH={settings.CUSTOS_LEDGER_HASH}: {exc}."
                f" 本机无法计算 CUSTOS_LEDGER_HASH={settings.CUSTOS_LEDGER_HASH}。",
                hint="Use sha256, or run Custos where OpenSSL provides SM3."
                " 请改用 sha256，或在 OpenSSL 提供 SM3 的机器上运行 Custos。",
                id="custody.E001",
            )
        ]
    return []


@checks.register(checks.Tags.compatibility)
def ledger_hash_as_created(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    # Every command runs this, so a process that would write events with one hash into a
    # ledger of the other never starts: ingest itself reads only the setting.
    if not _database_exists():
        return []  # asking would create an empty SQLite file (`custos restore` wants none)
    try:
        chosen = algorithm.recorded()
    except DatabaseError:
        return []  # no database or no ledger yet: `custos migrate` records the choice
    wanted = settings.CUSTOS_LEDGER_HASH
    if chosen is None or chosen == wanted:
        return []
    return [
        checks.Error(
            algorithm.mismatch(wanted, chosen),
            hint=f"Set CUSTOS_LEDGER_HASH={chosen}; another hash needs a new ledger."
            f" 请将 CUSTOS_LEDGER_HASH 设为 {chosen}；改用其他算法须新建台账。",
            id="custody.E002",
        )
    ]


def _database_exists() -> bool:
    if connection.vendor != "sqlite":
        return True
    name = str(connection.settings_dict["NAME"])
    return name == ":memory:" or name.startswith("file:") or Path(name).exists()
