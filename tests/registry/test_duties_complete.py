"""三员分立 complete: clearances, the CLI, the pages and the auditor's own reads logged."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import translation

from backend.custody.models import AppendOnlyError
from backend.desk.services import person_set_password
from backend.errors import ServiceError
from backend.registry.duties import person_clearance_set
from backend.registry.principals import Principal
from backend.security.models import AuditorRead

pytestmark = pytest.mark.django_db


def _client(person: Any) -> Client:
    person_set_password(person=person, password="pw", check=False)
    client = Client()
    client.post("/", {"username": person.code, "password": "pw"})
    return client


@pytest.fixture(autouse=True)
def _fast(settings: Any, tmp_path: Any) -> Iterator[None]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"
    with translation.override("en"):  # the refusals below are matched in English
        yield


def test_only_the_security_admin_clears_and_never_themself(make_person: Any, unit: Any) -> None:
    security = make_person(("security_admin",), "secret")
    person_clearance_set(principal=Principal(person=security), person=unit.low, clearance="secret")
    unit.low.refresh_from_db()
    assert unit.low.clearance == "secret"
    for actor, target in ((security, security), (unit.admin, unit.admin), (unit.admin, unit.low)):
        with pytest.raises(ServiceError) as refused:
            person_clearance_set(
                principal=Principal(person=actor), person=target, clearance="top_secret"
            )
        assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as unknown:
        person_clearance_set(principal=Principal(person=security), person=unit.low, clearance="x")
    assert unknown.value.code == "invalid"
    security.refresh_from_db()
    unit.low.refresh_from_db()
    assert (security.clearance, unit.low.clearance) == ("secret", "secret")


def test_the_cli_sets_roles_and_clearance_for_others_only(make_person: Any, unit: Any) -> None:
    security = make_person(("security_admin",), "secret")
    out = StringIO()
    call_command(
        "person",
        "roles",
        "--person",
        unit.reader.code,
        "--roles",
        "auditor",
        "--by",
        security.code,
        stdout=out,
    )
    call_command(
        "person",
        "clear",
        "--person",
        unit.reader.code,
        "--clearance",
        "top_secret",
        "--by",
        security.code,
        stdout=out,
    )
    unit.reader.refresh_from_db()
    assert (unit.reader.roles, unit.reader.clearance) == (["auditor"], "top_secret")
    with pytest.raises(CommandError, match="own roles"):
        call_command(
            "person",
            "roles",
            "--person",
            security.code,
            "--roles",
            "security_admin,auditor",
            "--by",
            security.code,
            stdout=out,
        )
    with pytest.raises(CommandError, match="own clearance"):
        call_command(
            "person",
            "clear",
            "--person",
            security.code,
            "--clearance",
            "top_secret",
            "--by",
            security.code,
            stdout=out,
        )
    with pytest.raises(CommandError, match="security administrator"):
        call_command(
            "person",
            "roles",
            "--person",
            unit.admin.code,
            "--roles",
            "auditor",
            "--by",
            unit.admin.code,
            stdout=out,
        )
    security.refresh_from_db()
    unit.admin.refresh_from_db()
    assert (security.roles, security.clearance, unit.admin.roles) == (
        ["security_admin"],
        "secret",
        ["admin"],
    )


def test_the_auditors_reads_are_logged_and_the_log_is_append_only(
    make_person: Any, api_as: Any, unit: Any, make_carrier: Any
) -> None:
    auditor = make_person(("auditor",), "none")
    api = api_as(auditor)
    assert api.get("/ledger/verify").status_code == 200
    api_as(unit.committee).get("/ledger/verify")  # the committee is not an auditor: no row
    assert list(AuditorRead.objects.values_list("person_id", "what")) == [(auditor.pk, "verify")]
    carrier = make_carrier("secret")
    api_as(unit.clerk).get(f"/carriers/{carrier.code}")  # an access-log row to read
    page = _client(auditor).get("/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="access-log"' in html and carrier.code in html and unit.clerk.name in html
    assert [r.what for r in AuditorRead.objects.order_by("id")] == ["verify", "access_log"]
    row = AuditorRead.objects.first()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AuditorRead.objects.filter(pk=row.pk).update(what="x")
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("UPDATE security_auditor_read SET what = 'x' WHERE id = %s", [row.pk])


def test_the_pages_keep_the_duties_apart(make_person: Any, unit: Any) -> None:
    security = make_person(("security_admin",), "secret")
    auditor = make_person(("auditor",), "none")
    as_security = _client(security)
    page = as_security.get("/people/").content.decode()
    assert unit.reader.code in page and "own" in page
    ok = as_security.post(
        "/people/", {"person": unit.reader.code, "roles": ["clerk"], "clearance": "top_secret"}
    )
    assert ok.status_code == 200
    unit.reader.refresh_from_db()
    assert (unit.reader.roles, unit.reader.clearance) == (["clerk"], "top_secret")
    own = as_security.post(
        "/people/",
        {
            "person": security.code,
            "roles": ["security_admin", "auditor"],
            "clearance": "top_secret",
        },
    )
    assert own.status_code == 422
    two = as_security.post(
        "/people/",
        {"person": unit.reader.code, "roles": ["admin", "auditor"], "clearance": "secret"},
    )
    assert two.status_code == 422
    security.refresh_from_db()
    unit.reader.refresh_from_db()
    assert (security.roles, security.clearance) == (["security_admin"], "secret")
    assert unit.reader.roles == ["clerk"]
    for person in (auditor, unit.admin):  # neither the auditor nor the administrator sets roles
        client = _client(person)
        assert client.get("/people/").status_code == 403
        assert (
            client.post(
                "/people/", {"person": person.code, "roles": ["auditor"], "clearance": "top_secret"}
            ).status_code
            == 403
        )
    assert _client(security).get("/audit/").status_code == 403
    assert _client(unit.admin).get("/audit/").status_code == 403
