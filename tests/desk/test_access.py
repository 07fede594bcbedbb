"""Sign-in, each page for its roles only, languages — with Django's test client (no browser)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backend.desk.services import person_set_password

PAGES = {
    "/desk/": "clerk",
    "/destruction/site/": "clerk",
    "/dashboard/": "committee",
    "/inspection/": "committee",
    "/destruction/": "approver",
    "/classification/": "approver",
    "/register/": "registrar",
    "/labels/": "registrar",
    "/imports/": "registrar",
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(person: Any) -> Client:
    person_set_password(person=person, password="pw", check=False)
    client = Client()
    answer = client.post("/", {"username": person.code.lower(), "password": "pw"})
    assert answer.status_code == 302, answer.content
    return client


def test_the_sign_in_page_loads_nothing_from_outside_the_machine(db: None) -> None:
    html = Client().get("/").content.decode()
    assert "<form" in html and "登录" in html
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("<!--", "")


def test_each_person_lands_on_their_roles_page(unit: Any) -> None:
    for person, page in (
        (unit.clerk, "/desk/"),
        (unit.committee, "/dashboard/"),
        (unit.approver, "/destruction/"),
        (unit.registrar, "/register/"),
    ):
        assert _client(person).get("/home/")["Location"] == page


def test_each_page_is_only_for_the_roles_that_use_it(unit: Any) -> None:
    people = {
        "clerk": unit.clerk,
        "committee": unit.committee,
        "approver": unit.approver,
        "registrar": unit.registrar,
    }
    clients = {role: _client(p) for role, p in people.items()}
    for url, role in PAGES.items():
        for who, client in clients.items():
            status = client.get(url).status_code
            allowed = who == role or (url == "/destruction/" and who == "committee")
            assert status == (200 if allowed else 403), (url, who, status)


def test_a_stranger_is_sent_to_sign_in(db: None) -> None:
    answer = Client().get("/dashboard/")
    assert answer.status_code == 302 and answer["Location"].startswith("/?next=")


def test_a_wrong_password_is_refused_in_plain_words(unit: Any) -> None:
    person_set_password(person=unit.clerk, password="right", check=False)
    answer = Client().post("/", {"username": unit.clerk.code, "password": "wrong"})
    assert "工号或密码错误" in answer.content.decode()


def test_english_is_selectable_and_chinese_is_the_default(unit: Any) -> None:
    client = _client(unit.clerk)
    assert "收发台" in client.get("/desk/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})
    html = client.get("/desk/").content.decode()
    assert "Handover desk" in html and "收发台" not in html


def test_the_timeline_withholds_a_title_the_reader_may_not_know(
    unit: Any, make_carrier: Any, make_person: Any
) -> None:
    carrier = make_carrier("top_secret", title="绝密会议纪要")
    low_clerk = make_person(("clerk",), "confidential")
    html = _client(low_clerk).get(f"/carriers/{carrier.code}/").content.decode()
    assert "绝密会议纪要" not in html
    assert (
        "绝密会议纪要" in _client(unit.committee).get(f"/carriers/{carrier.code}/").content.decode()
    )


def test_the_desk_refuses_a_handover_without_a_scan_id(unit: Any, make_carrier: Any) -> None:
    carrier = make_carrier()
    client = _client(unit.clerk)
    answer = client.post(
        "/desk/scan/", {"action": "store", "carrier": carrier.code, "location": unit.safe.code}
    )
    assert 'data-ok="0"' in answer.content.decode()


def test_the_user_command_sets_a_password(unit: Any) -> None:
    from django.core.management import call_command

    call_command(
        "user", "set-password", "--person", unit.clerk.code, "--password", "Kx8-desk-2026!"
    )
    unit.clerk.refresh_from_db()
    assert unit.clerk.user is not None and unit.clerk.user.check_password("Kx8-desk-2026!")
