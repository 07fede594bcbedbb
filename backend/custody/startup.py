"""Django system checks at startup: refuse to run with a ledger hash this machine cannot compute."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from backend.custody import merkle


@checks.register(checks.Tags.compatibility)
def ledger_hash_available(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        merkle.hasher(settings.CUSTOS_LEDGER_HASH)
    except merkle.HashUnavailable as exc:
        return [
            checks.Error(
                f"CUSTOS_LEDGER_HASH={settings.CUSTOS_LEDGER_HASH}: {exc}",
                hint="Use sha256, or run Custos where OpenSSL provides SM3.",
                id="custody.E001",
            )
        ]
    return []
