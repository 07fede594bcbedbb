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


@pytest.fixture
def sm3_ledger(settings: Any, db: None) -> str:
    """A ledger created with SM3 (国密): the record migration 0004 writes, and the setting
    that must agree with it. Raw SQL: nothing in the application changes the record."""
    from django.db import connection
    from django.utils import timezone

    settings.CUSTOS_LEDGER_HASH = "sm3"
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM custody_ledger")
        cursor.execute(
            "INSERT INTO custody_ledger (id, hash, created_at) VALUES (1, 'sm3', %s)",
            [timezone.now()],
        )
    return "sm3"
