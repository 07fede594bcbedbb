"""The handover page's lifecycle data and the carrier level it asks for, without a browser."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from backend.custody.lifecycle import Action, needs
from backend.desk.services import person_set_password
from backend.desk.views_desk import DESK_ACTIONS


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _client(person: Any) -> Client:
    person_set_password(person=person, password="pw", check=False)
    client = Client()
    assert client.post("/", {"username": person.code, "password": "pw"}).status_code == 302
    return client


def test_the_page_carries_the_lifecycles_answer_for_every_desk_action(unit: Any) -> None:
    html = _client(unit.clerk).get("/desk/").content.decode()
    found = re.search(r'<script id="lifecycle-needs" type="application/json">(.*?)</script>', html)
    assert found
    data = json.loads(found.group(1))
    assert list(data) == list(DESK_ACTIONS)
    for action, shown in data.items():
        n = needs(Action(action))
        assert shown == {
            "receiver": n.receiver,
            "due": n.due,
            "escort": sorted(n.escort_levels),
            "from": sorted(n.sources),
            "host": n.host,
        }
    assert [a for a, shown in data.items() if shown["host"]] == ["install_storage"]
    # The escort slot is on the page but hidden until the lifecycle asks for an escort.
    assert '<div id="escort-slot" hidden>' in html


def test_the_desk_learns_a_scanned_carriers_level_and_nothing_breaks_on_a_bad_code(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier("top_secret")
    clerk = _client(unit.clerk)
    assert clerk.get(f"/desk/carrier/{carrier.code.lower()}/").json() == {"level": "top_secret"}
    for bad in ("C-NOPE", "P-" + "X" * 30, "%E6%9C%BA"):
        answer = clerk.get(f"/desk/carrier/{bad}/")
        assert answer.status_code == 200 and answer.json() == {"level": ""}
    # Only a clerk's desk asks.
    registrar = _client(unit.registrar).get(f"/desk/carrier/{carrier.code}/")
    assert registrar.status_code in (302, 403)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Scan the carrier's label.", "请扫描载体标签。"),
        ("Scan the receiver's badge.", "请扫描接收人胸卡。"),
        (
            "Scan the escort's badge (top secret moves with a second person).",
            "请扫描陪同人胸卡（绝密载体须两人以上同行）。",
        ),
        ("Press Enter to confirm, or scan another carrier.", "按 Enter 确认，或继续扫描载体。"),
    ],
)
def test_what_the_desk_expects_next_reads_in_both_languages(english: str, chinese: str) -> None:
    with translation.override("zh-hans"):
        assert gettext(english) == chinese
    with translation.override("en"):
        assert gettext(english) == english
