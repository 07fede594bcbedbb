"""The meeting pages without a browser: the form creates a meeting from scanned badges,
and the desk's scan endpoint refuses a badge that is not on the list and copies for a
receiver who is not on it, in the clerk's words."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.test import Client

from backend.desk.services import person_set_password
from backend.meetings.models import Meeting


def _client(person: Any) -> Client:
    person_set_password(person=person, password="pw", check=False)
    client = Client()
    answer = client.post("/", {"username": person.code.lower(), "password": "pw"})
    assert answer.status_code == 302, answer.content
    return client


def _scans(*items: tuple[str, str]) -> str:
    return json.dumps([{"code": c, "id": str(uuid.uuid4()), "holder": h} for c, h in items])


def test_the_form_creates_a_meeting_and_the_desk_refuses_what_the_list_does_not_allow(
    unit: Any, make_carrier: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    clerk = _client(unit.clerk)
    assert clerk.get("/meetings/").status_code == 200
    refused = clerk.post(
        "/meetings/new/",
        {
            "title": "季度会",
            "level": "secret",
            "location": unit.desk.code,
            "attendees": f"{unit.reader.code}\n{unit.low.code}",
        },
    )
    assert refused.status_code == 403 and unit.low.name in refused.content.decode()
    created = clerk.post(
        "/meetings/new/",
        {
            "title": "季度会",
            "level": "secret",
            "location": unit.desk.code,
            "copies_each": "2",
            "attendees": f"{unit.reader.code}\n{unit.clerk2.code.lower()}",
        },
    )
    meeting = Meeting.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/meetings/{meeting.id}/"
    assert meeting.copies_each == 2 and meeting.attendees.count() == 2
    page = clerk.get(f"/meetings/{meeting.id}/").content.decode()
    assert unit.reader.name in page and 'id="scan"' in page

    url = f"/meetings/{meeting.id}/scan/"
    copy = make_carrier("secret")
    outsider = clerk.post(url, {"scans": _scans((unit.low.code, "")), "mode": "issue"})
    text = outsider.content.decode()
    assert 'data-ok="0"' in text and "不在本会议的参会名单内" in text and 'data-holder=""' in text
    issue = clerk.post(
        url, {"scans": _scans((copy.code, unit.low.code)), "mode": "issue"}
    ).content.decode()
    assert 'data-ok="0"' in issue and "not_attendee" in issue
    good = clerk.post(
        url,
        {"scans": _scans((unit.reader.code, ""), (copy.code, unit.reader.code)), "mode": "issue"},
    ).content.decode()
    assert 'data-ok="1"' in good and "1/2" in good and f'data-holder="{unit.reader.code}"' in good
    back = clerk.post(url, {"scans": _scans((copy.code, "")), "mode": "collect"}).content.decode()
    assert 'data-ok="1"' in back
    board = clerk.get(f"/meetings/{meeting.id}/board/?mode=collect").content.decode()
    assert 'data-returned="1"' in board and 'data-out="0"' in board
