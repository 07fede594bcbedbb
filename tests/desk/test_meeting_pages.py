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


def test_the_close_records_the_sweep_of_the_venue_or_the_page_asks_for_it_after(
    unit: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    clerk = _client(unit.clerk)
    made = []
    for title in ("带清场", "后补清场"):
        clerk.post(
            "/meetings/new/",
            {"title": title, "level": "secret", "location": unit.desk.code,
             "attendees": unit.reader.code},
        )  # fmt: skip
        made.append(Meeting.objects.get(title=title))
    with_sweep, without = made
    assert 'id="venue"' in clerk.get(f"/meetings/{with_sweep.id}/").content.decode()

    closed = clerk.post(f"/meetings/{with_sweep.id}/close/", {"venue": "清场完毕"})
    assert closed.status_code == 302
    with_sweep.refresh_from_db()
    assert (with_sweep.venue_note, with_sweep.venue_swept_by) == ("清场完毕", unit.clerk)
    page = clerk.get(f"/meetings/{with_sweep.id}/").content.decode()
    assert 'id="venue-swept"' in page and 'id="venue-form"' not in page

    clerk.post(f"/meetings/{without.id}/close/", {"venue": ""})
    without.refresh_from_db()
    assert without.status == "closed" and without.venue_swept_at is None
    assert 'id="venue-form"' in clerk.get(f"/meetings/{without.id}/").content.decode()
    recorded = clerk.post(f"/meetings/{without.id}/venue/", {"venue": "补记：清场完毕"})
    assert recorded.status_code == 302
    without.refresh_from_db()
    assert without.venue_note == "补记：清场完毕"
    twice = clerk.post(f"/meetings/{without.id}/venue/", {"venue": "again"})
    assert twice.status_code == 409
