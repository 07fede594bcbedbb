"""Sign-in: Argon2 hashes, lock-out after repeated failures, TOTP for the admin, approver
and committee roles, idle sessions ending, and a departed or deactivated person's session
ending at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from backend.desk.services import person_set_password
from backend.security import totp
from backend.security.models import TotpDevice
from backend.security.services import person_deactivate

PASSWORD = "Kx8-desk-2026!"


@pytest.fixture
def second_factor_on(settings: Any) -> None:
    settings.CUSTOS_2FA_ROLES = ["admin", "approver", "committee"]


def _sign_in(person: Any, password: str = PASSWORD) -> tuple[Client, Any]:
    client = Client()
    answer = client.post("/", {"username": person.code, "password": password})
    return client, answer


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(unit: Any) -> None:
    person_set_password(person=unit.clerk, password=PASSWORD, check=False)
    user = get_user_model().objects.get(pk=unit.clerk.user_id)
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_badge_even_against_the_right_one(
    settings: Any, unit: Any
) -> None:
    settings.CUSTOS_LOCKOUT_FAILURES = 5
    person_set_password(person=unit.clerk, password=PASSWORD, check=False)
    for _ in range(5):
        _, answer = _sign_in(unit.clerk, "wrong")
        assert "_auth_user_id" not in answer.wsgi_request.session
    client, answer = _sign_in(unit.clerk)
    assert answer.status_code == 200 and "_auth_user_id" not in client.session
    # The lock passes with time; then the right password works again.
    with time_machine.travel(
        timezone.now() + timedelta(seconds=settings.CUSTOS_LOCKOUT_SECONDS + 5)
    ):
        client, answer = _sign_in(unit.clerk)
        assert answer.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.django_db
def test_fewer_failures_than_the_limit_do_not_lock(settings: Any, unit: Any) -> None:
    settings.CUSTOS_LOCKOUT_FAILURES = 5
    person_set_password(person=unit.clerk, password=PASSWORD, check=False)
    for _ in range(4):
        _sign_in(unit.clerk, "wrong")
    client, answer = _sign_in(unit.clerk)
    assert answer.status_code == 302 and "_auth_user_id" in client.session
    for _ in range(4):  # a success starts the count again
        _sign_in(unit.clerk, "wrong")
    client, _ = _sign_in(unit.clerk)
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["committee", "approver", "admin"])
def test_a_2fa_role_cannot_reach_its_pages_with_a_password_alone(
    second_factor_on: None, unit: Any, role: str
) -> None:
    person = {"committee": unit.committee, "approver": unit.approver, "admin": unit.admin}[role]
    person_set_password(person=person, password=PASSWORD, check=False)
    client, _ = _sign_in(person)
    for page in ("/home/", "/dashboard/", "/destruction/", "/classification/"):
        answer = client.get(page)
        assert answer.status_code == 302 and answer["Location"].startswith("/security/2fa/"), page


@pytest.mark.django_db
def test_the_committee_enrols_then_reaches_the_dashboard_with_a_code(
    second_factor_on: None, unit: Any
) -> None:
    person_set_password(person=unit.committee, password=PASSWORD, check=False)
    client, _ = _sign_in(unit.committee)
    enrol = client.get("/security/2fa/?next=/dashboard/")
    secret = TotpDevice.objects.get(user_id=unit.committee.user_id).secret
    assert secret in enrol.content.decode()  # shown once, while not yet confirmed
    wrong = client.post("/security/2fa/", {"code": "000000", "next": "/dashboard/"})
    assert wrong.status_code == 200 and client.get("/dashboard/").status_code == 302
    code = totp.code_at(secret, totp.current_step())
    answer = client.post("/security/2fa/", {"code": code, "next": "/dashboard/"})
    assert answer.status_code == 302 and answer["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    # Next sign-in: the secret is no longer shown, and the same code cannot be replayed.
    other, _ = _sign_in(unit.committee)
    assert secret not in other.get("/security/2fa/").content.decode()
    replay = other.post("/security/2fa/", {"code": code, "next": "/dashboard/"})
    assert replay.status_code == 200 and other.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_a_clerk_needs_no_second_factor(second_factor_on: None, unit: Any) -> None:
    person_set_password(person=unit.clerk, password=PASSWORD, check=False)
    client, _ = _sign_in(unit.clerk)
    assert client.get("/desk/").status_code == 200


@pytest.mark.django_db
def test_totp_codes_follow_rfc_6238() -> None:
    # RFC 6238 appendix B, SHA-1 secret "12345678901234567890", T = 59 s → 94287082.
    import base64

    secret = base64.b32encode(b"12345678901234567890").decode()
    assert totp.code_at(secret, 59 // 30) == "287082"  # the last 6 of 94287082
    assert totp.matching_step(secret, "287082", now=59) == 1
    assert totp.matching_step(secret, "287082", now=59 + 120) is None


@pytest.mark.django_db
def test_an_idle_session_ends(settings: Any, unit: Any) -> None:
    settings.CUSTOS_SESSION_IDLE_SECONDS = 15 * 60
    person_set_password(person=unit.clerk, password=PASSWORD, check=False)
    client, _ = _sign_in(unit.clerk)
    assert client.get("/desk/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert client.get("/desk/").status_code == 200  # activity keeps it alive
    with time_machine.travel(timezone.now() + timedelta(minutes=26)):
        answer = client.get("/desk/")
        assert answer.status_code == 302 and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_deactivation_ends_the_persons_sessions_at_once(unit: Any) -> None:
    person_set_password(person=unit.clerk, password=PASSWORD, check=False)
    client, _ = _sign_in(unit.clerk)
    assert client.get("/desk/").status_code == 200
    ended = person_deactivate(person=unit.clerk)
    assert ended["sessions"] == 1
    assert client.get("/desk/").status_code == 302
    _, answer = _sign_in(unit.clerk)
    assert "_auth_user_id" not in answer.wsgi_request.session


@pytest.mark.django_db
def test_a_departed_persons_session_ends_the_day_they_leave(make_person: Any) -> None:
    leaver = make_person(("clerk",), departs_on=timezone.localdate() + timedelta(days=1))
    person_set_password(person=leaver, password=PASSWORD, check=False)
    client, _ = _sign_in(leaver)
    assert client.get("/desk/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, hours=1)):
        answer = client.get("/desk/")
        assert answer.status_code == 302 and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_locked_badge_is_told_so_on_the_sign_in_page(settings: Any, unit: Any) -> None:
    settings.CUSTOS_LOCKOUT_FAILURES = 3
    person_set_password(person=unit.clerk, password=PASSWORD, check=False)
    for _ in range(3):
        _sign_in(unit.clerk, "wrong")
    _, answer = _sign_in(unit.clerk)
    assert "登录失败次数过多" in answer.content.decode()
