"""Tokens: expiry, revocation, departure and deactivation each give 401 at once; the
`custos token` commands create with an expiry, list without secrets, and revoke."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from backend.registry.models import Token
from backend.registry.services import device_create, token_create
from backend.security.services import person_deactivate, token_revoke
from tests.conftest import Api


def _status(token: str) -> int:
    return Api(token).get("/carriers").status_code


def _prefix(token: str) -> str:
    return token.split("_")[1]


@pytest.mark.django_db
def test_a_revoked_token_gets_401_at_once(unit: Any) -> None:
    token = token_create(person=unit.clerk)
    assert _status(token) == 200
    token_revoke(prefix=_prefix(token))
    answer = Api(token).get("/carriers")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthenticated"


@pytest.mark.django_db
def test_an_expired_token_gets_401(unit: Any) -> None:
    token = token_create(person=unit.clerk, expires_at=timezone.now() + timedelta(days=1))
    assert _status(token) == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert _status(token) == 401


@pytest.mark.django_db
def test_a_departed_persons_token_gets_401_the_day_they_leave(make_person: Any) -> None:
    leaver = make_person(("clerk",), departs_on=timezone.localdate() + timedelta(days=1))
    token = token_create(person=leaver)
    assert _status(token) == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, hours=1)):
        assert _status(token) == 401


@pytest.mark.django_db
def test_deactivating_a_person_revokes_every_token_at_once(make_person: Any) -> None:
    person = make_person(("clerk",))
    tokens = [token_create(person=person) for _ in range(3)]
    ended = person_deactivate(person=person)
    assert ended["tokens"] == 3
    assert [_status(t) for t in tokens] == [401, 401, 401]
    assert not Token.objects.filter(person=person, revoked_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_deactivated_device_token_gets_401(unit: Any) -> None:
    device = device_create(name="desk scanner 9", location=unit.desk)
    token = token_create(device=device)
    assert _status(token) == 200
    device.active = False
    device.save(update_fields=["active"])
    assert _status(token) == 401


@pytest.mark.django_db
def test_token_create_sets_an_expiry_and_prints_the_token_last(unit: Any) -> None:
    out = io.StringIO()
    call_command("token", "create", "--person", unit.clerk.code, stdout=out, stderr=io.StringIO())
    plain = out.getvalue().strip().splitlines()[-1]
    assert plain.startswith("cst_") and _status(plain) == 200
    token = Token.objects.get(prefix=_prefix(plain))
    assert token.expires_at is not None
    assert timedelta(days=89) < token.expires_at - timezone.now() <= timedelta(days=90)
    assert token.digest != plain and _prefix(plain) == token.prefix  # only a hash is kept


@pytest.mark.django_db
def test_token_list_shows_prefixes_and_never_a_secret_and_revoke_ends_one(unit: Any) -> None:
    plain = token_create(person=unit.clerk)
    out = io.StringIO()
    call_command("token", "list", stdout=out)
    listing = out.getvalue()
    assert _prefix(plain) in listing and plain not in listing and unit.clerk.code in listing
    call_command("token", "revoke", _prefix(plain), stdout=io.StringIO())
    assert _status(plain) == 401
    out = io.StringIO()
    call_command("token", "list", stdout=out)
    assert _prefix(plain) not in out.getvalue()
    out = io.StringIO()
    call_command("token", "list", "--all", stdout=out)
    assert "revoked" in out.getvalue()


@pytest.mark.django_db
def test_token_revoke_by_person_ends_all_of_theirs(unit: Any) -> None:
    tokens = [token_create(person=unit.registrar) for _ in range(2)]
    out = io.StringIO()
    call_command("token", "revoke", "--person", unit.registrar.code, stdout=out)
    assert "revoked 2" in out.getvalue()
    assert [_status(t) for t in tokens] == [401, 401]
