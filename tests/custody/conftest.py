"""The ledger's two stores (backend/custody/store): the ingest tests run against each."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(params=["orm", "postgresql"])
def each_store(request: Any, settings: Any, on_postgres: bool) -> str:
    """Ingest through the ORM reference store, then through the PostgreSQL store (on
    PostgreSQL only): the same tests, the same answers expected."""
    if request.param == "postgresql" and not on_postgres:
        pytest.skip("the PostgreSQL store runs on PostgreSQL")
    settings.CUSTOS_LEDGER_STORE = request.param
    return str(request.param)
