"""The floor under the ledger benchmark: a minimal django-ninja endpoint that inserts one row.

The issue sets the ledger's targets beside "a minimal django-ninja insert endpoint"
measured on another machine. This is that endpoint, served by the same server with the
same workers on this machine, in the same run: the same JSON body parsed by ninja, a
row inserted per scan, one transaction per request, through Django's connection (no
model, no auth, no middleware). What it reaches is what this machine gives any Django request
before the ledger does any work of its own.

Run as ``gunicorn tests.bench.minimal_endpoint:application`` with ``DATABASE_URL`` set,
once bench_ledger.py has made the table.
"""

from __future__ import annotations

import os
from typing import Any

import dj_database_url
import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        USE_TZ=True,
        DATABASES={"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)},
    )
    django.setup()

# Imported once the settings exist: these read them at import.
from django.core.wsgi import get_wsgi_application
from django.db import connection, transaction
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI, Schema

from tests.bench.bench_ledger import MINIMAL as TABLE


class ScanIn(Schema):
    id: str
    action: str
    carrier: str
    counterpart: str | None = None


class BatchIn(Schema):
    scans: list[ScanIn]


api = NinjaAPI(docs_url=None, openapi_url=None)


@api.post("/scans")
def scans(request: Any, body: BatchIn) -> dict[str, Any]:
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        for scan in body.scans:
            cursor.execute(
                f"INSERT INTO {TABLE} (id, action, carrier, counterpart, recorded_at)"
                " VALUES (%s, %s, %s, %s, %s)",
                [scan.id, scan.action, scan.carrier, scan.counterpart, now],
            )
    return {"results": [{"id": scan.id, "status": "recorded"} for scan in body.scans]}


urlpatterns = [path("api/v1/", api.urls)]
application = get_wsgi_application()
