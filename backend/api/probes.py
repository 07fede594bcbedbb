"""Liveness of the parts Custos depends on."""

from __future__ import annotations

from django.conf import settings
from django.db import connection


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def broker_ok() -> bool:
    """Redis answers a PING; without ``REDIS_URL`` the embedded broker is a local file."""
    url = settings.CUSTOS_REDIS_URL
    if not url:
        return True
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except Exception:
        return False
