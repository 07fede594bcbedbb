"""The meeting desk in a real browser (issue 16's must-show): 40 attendees sign in and
receive 3 copies each by typed scans at wedge speed, 119 copies come back in shuffled
order, the close reports the missing one to the committee's dashboard and, through a real
Celery worker, to an SMTP server on loopback within 5 s; the record PDF lists it."""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.utils import timezone

from backend.alerts.models import Alert
from backend.meetings.models import Attendee, Meeting
from backend.meetings.services import meeting_create
from backend.registry.principals import Principal
from tests.alerts.loopback import SmtpServer
from tests.desk.conftest import scan_in, shot, sign_in_with_form
from tests.meetings.conftest import copies_of
from tests.worker.procs import purge, start_worker, stop_worker, wait_for

REDIS_URL = os.environ.get("REDIS_URL", "")
COMMITTEE = "committee@unit.example"
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis (set REDIS_URL)"),
]


# A wedge scanner types a code's characters a few milliseconds apart and ends with Enter.
# Playwright's keyboard sends each key as a round trip to the browser, 10 ms or more per
# character on a loaded machine: slower than a scanner. So the first attendee is typed
# with Playwright's keyboard and the rest arrive as a scanner sends them: keydown by
# keydown into the focused field, in the page itself, with no pause between codes.
WEDGE = """codes => {
  const input = document.activeElement;
  for (const code of codes) {
    for (const ch of code) {
      input.dispatchEvent(new KeyboardEvent("keydown", {key: ch, bubbles: true}));
      input.value += ch;
      input.dispatchEvent(new Event("input", {bubbles: true}));
    }
    input.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter", bubbles: true}));
  }
}"""


def _answers(page: Any, n: int, timeout: float = 30_000) -> None:
    page.wait_for_function(f"(+document.body.dataset.answered || 0) >= {n}", timeout=timeout)


def _board_says(page: Any, which: str, text: str) -> None:
    page.wait_for_function(f"document.getElementById('{which}').textContent === '{text}'")


def test_a_40_attendee_meeting_is_issued_collected_and_closed_by_scans_in_the_browser(
    browser: Any,
    page: Any,
    live_server: Any,
    unit: Any,
    make_person: Any,
    make_carrier: Any,
    settings: Any,
) -> None:
    people = [make_person((), "secret", name=f"参会人{i:02d}") for i in range(40)]
    originals = [make_carrier("secret", title=f"会议材料{k}") for k in range(3)]
    copies = [copies_of(unit, original, 40) for original in originals]  # 120 carriers
    now = timezone.now()
    meeting = meeting_create(
        principal=Principal(person=unit.clerk),
        title="年度保密工作会议",
        level="secret",
        location=unit.desk,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=2),
        attendees=people,
        copies_each=3,
    )
    with SmtpServer() as smtp:
        env = {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "CUSTOS_ALERT_EMAILS": COMMITTEE,
            "CUSTOS_WEBHOOK_URL": "",
        }
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.CUSTOS_ALERT_EMAILS = [COMMITTEE]
        settings.CUSTOS_WEBHOOK_URL = ""
        purge(REDIS_URL)
        worker = start_worker(broker=REDIS_URL, env=env, name="meeting-desk")
        try:
            _run(browser, page, live_server, unit, meeting, people, copies, smtp)
        finally:
            stop_worker(worker)


def _run(
    browser: Any,
    page: Any,
    live_server: Any,
    unit: Any,
    meeting: Meeting,
    people: list[Any],
    copies: list[list[Any]],
    smtp: SmtpServer,
) -> None:
    sign_in_with_form(page, unit.clerk)
    page.goto(f"/meetings/{meeting.id}/")
    assert page.evaluate("document.activeElement.id") == "scan"
    # Sign-in and issue: a badge, then that attendee's three copies (第n份 of each paper).
    scan_in(page, people[0].code, *(c[0].code for c in copies))
    _answers(page, 4)
    banner = page.locator("#banner .banner")
    assert banner.get_attribute("data-ok") == "1" and "3/3" in banner.inner_text()
    burst = [
        code for i, p in enumerate(people[1:], 1) for code in (p.code, *(c[i].code for c in copies))
    ]
    page.evaluate(WEDGE, burst)
    _answers(page, 160)
    _board_says(page, "n-issued", "120")  # the board follows the last banner
    assert page.locator("#n-signed").inner_text() == "40/40"
    assert "3/3" in page.locator("#banner .banner").inner_text()
    assert Attendee.objects.filter(meeting=meeting, signed_in_at__isnull=False).count() == 40
    shot(page, "meeting-issue.png")

    # Collection: everything but one copy comes back, in any order.
    kept = copies[1][17]
    back = [c.code for paper in copies for c in paper if c.id != kept.id]
    random.Random(16).shuffle(back)
    page.goto(f"/meetings/{meeting.id}/?mode=collect")
    page.evaluate(WEDGE, back)
    _answers(page, 119)
    _board_says(page, "n-returned", "119")
    assert page.locator("#n-out").inner_text() == "1"
    holders = page.locator("#holders tbody tr")
    assert holders.count() == 1 and kept.code in holders.inner_text()
    assert people[17].name in holders.inner_text()
    shot(page, "meeting-collect.png")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#close-meeting")
    closed_at = time.monotonic()
    page.locator("#result").wait_for()
    assert page.locator("#result").get_attribute("data-missing") == "1"
    assert kept.code in page.locator("#missing").inner_text()

    # The committee's dashboard shows the case and the mail has gone out, within 5 s.
    alert = Alert.objects.get(kind="meeting_unreturned")
    assert alert.carrier_id == kept.id and alert.details["holder"] == people[17].code
    committee = browser.new_context(base_url=live_server.url, bypass_csp=True)
    try:
        board = sign_in_with_form(committee.new_page(), unit.committee)
        row = board.locator(f"#alert-{alert.id}")
        row.wait_for(timeout=5_000)
        assert kept.code in row.inner_text() and people[17].name in row.inner_text()
    finally:
        committee.close()
    assert wait_for(lambda: smtp.sink.accepted, 5 - (time.monotonic() - closed_at)), "no mail"
    elapsed = time.monotonic() - closed_at
    assert elapsed < 5, elapsed
    [body] = smtp.sink.bodies()
    assert kept.code in body and people[17].code in body and f"第{kept.copy_no}份" in body
    assert kept.title not in body

    # The record PDF lists the copy not collected, with its holder.
    pdf_page = page.request.get(f"/meetings/{meeting.id}/record.pdf")
    assert pdf_page.status == 200
    pdf = pdfium.PdfDocument(pdf_page.body())
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert kept.code in text and people[17].name in text and "未收回" in text
    assert text.count("已收回") == 119
