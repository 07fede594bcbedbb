"""The access log (Reg Art. 20): one row per read of a 机密-or-above carrier, none for
秘密; append-only; shown on the carrier's page to the committee and to nobody else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from backend.custody.models import AppendOnlyError
from backend.desk.services import person_set_password
from backend.registry.models import Carrier
from backend.security.models import AccessRecord


def _reads(carrier: Any) -> list[AccessRecord]:
    return list(AccessRecord.objects.filter(carrier=carrier).order_by("id"))


@pytest.mark.django_db
def test_each_read_of_a_secret_carrier_is_logged_with_who_and_what(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carrier = make_carrier("secret")
    client = api_as(unit.clerk)
    before = len(_reads(carrier))
    assert client.get(f"/carriers/{carrier.code}").status_code == 200
    assert client.get(f"/carriers/{carrier.code}/events").status_code == 200
    rows = _reads(carrier)[before:]
    assert len(rows) == 2
    assert {(r.person_id, r.what, r.level, r.title_shown) for r in rows} == {
        (unit.clerk.id, "carrier", "secret", True)
    }


@pytest.mark.django_db
def test_reads_of_a_confidential_carrier_are_not_logged(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carrier = make_carrier("confidential")
    client = api_as(unit.clerk)
    client.get(f"/carriers/{carrier.code}")
    client.get("/carriers")
    assert _reads(carrier) == []


@pytest.mark.django_db
def test_a_list_logs_each_secret_row_it_hands_out_and_whether_the_title_was_shown(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    top = make_carrier("top_secret")
    api_as(unit.low).get("/carriers")  # no reader role: refused, nothing handed out
    assert _reads(top) == []
    api_as(unit.witnesses[0]).get("/carriers")  # a witness cleared for 机密 only
    (row,) = _reads(top)
    assert (row.person_id, row.what, row.title_shown) == (unit.witnesses[0].id, "list", False)


@pytest.mark.django_db
def test_the_threshold_is_configurable(
    settings: Any, unit: Any, make_carrier: Any, api_as: Any
) -> None:
    settings.CUSTOS_ACCESS_LOG_LEVEL = "confidential"
    carrier = make_carrier("confidential")
    api_as(unit.clerk).get(f"/carriers/{carrier.code}")
    assert len(_reads(carrier)) == 1


@pytest.mark.django_db
def test_the_access_log_refuses_update_and_delete(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carrier = make_carrier("secret")
    api_as(unit.clerk).get(f"/carriers/{carrier.code}")
    row = _reads(carrier)[0]
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=row.pk).update(what="x")
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE security_access_record SET what = 'x' WHERE id = %s", [row.pk])


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_refuses_deleting_an_access_record_in_sql(
    unit: Any, make_carrier: Any, api_as: Any
) -> None:
    carrier = make_carrier("secret")
    api_as(unit.clerk).get(f"/carriers/{carrier.code}")
    row = _reads(carrier)[0]
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM security_access_record WHERE id = %s", [row.pk])


@pytest.mark.django_db
def test_the_committee_sees_the_reads_on_the_carriers_page_and_a_clerk_does_not(
    settings: Any, unit: Any, make_carrier: Any, api_as: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    carrier = make_carrier("secret")
    api_as(unit.clerk).get(f"/carriers/{carrier.code}")
    pages = {}
    for person in (unit.committee, unit.clerk):
        person_set_password(person=person, password="pw", check=False)
        client = Client()
        client.post("/", {"username": person.code, "password": "pw"})
        pages[person.code] = client.get(f"/carriers/{carrier.code}/").content.decode()
    committee_page = pages[unit.committee.code]
    assert 'id="access-log"' in committee_page and unit.clerk.code in committee_page
    assert 'id="access-log"' not in pages[unit.clerk.code]


def _page(person: Any, path: str) -> str:
    person_set_password(person=person, password="pw", check=False)
    client = Client()
    client.post("/", {"username": person.code, "password": "pw"})
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_a_desk_page_that_lists_carriers_logs_each_secret_row_it_shows(
    settings: Any, unit: Any, make_carrier: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    secret, confidential = make_carrier("secret"), make_carrier("confidential")
    late = timezone.now() - timedelta(days=2)
    Carrier.objects.filter(pk__in=[secret.pk, confidential.pk]).update(
        status="in_use", custodian=unit.clerk, due_at=late
    )
    page = _page(unit.committee, "/dashboard/")
    assert secret.code in page and confidential.code in page  # both overdue rows are shown
    (row,) = _reads(secret)
    assert (row.person_id, row.what, row.title_shown) == (unit.committee.id, "list", True)
    assert _reads(confidential) == []
    _page(unit.committee, "/dashboard/")
    assert len(_reads(secret)) == 2  # each showing is a read
