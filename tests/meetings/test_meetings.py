"""会议: create a meeting over the API, issue copies to attendees and collect them by scan,
close it, and follow each copy not collected as a ``meeting_unreturned`` case."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pypdfium2 as pdfium

from backend.alerts.models import Alert, Delivery
from backend.meetings.models import Attendee
from backend.registry.models import Carrier
from tests.conftest import scan
from tests.meetings.conftest import copies_of


def _results(api: Any, *scans: dict[str, Any]) -> list[dict[str, Any]]:
    answer = api.post("/scans", {"scans": list(scans)})
    assert answer.status_code == 200, answer.content
    return list(answer.json()["results"])


def test_a_meeting_issues_collects_closes_and_a_late_return_resolves_the_case(
    unit: Any,
    api_as: Any,
    make_carrier: Callable[..., Carrier],
    meeting_body: Any,
    settings: Any,
) -> None:
    settings.CUSTOS_ALERT_EMAILS = ["committee@unit.example"]
    copies = copies_of(unit, make_carrier("secret", title="会议材料"), 3)
    assert [c.copy_no for c in copies] == [2, 3, 4] and copies[0].parent_id
    clerk = api_as(unit.clerk)
    created = clerk.post("/meetings", meeting_body([unit.reader, unit.clerk2]))
    assert created.status_code == 201, created.content
    meeting = created.json()
    assert meeting["status"] == "open" and len(meeting["attendees"]) == 2

    issue = [
        scan("checkout", c, counterpart=who, meeting=meeting["id"])
        for c, who in zip(copies, [unit.reader, unit.reader, unit.clerk2], strict=True)
    ]
    assert [r["status"] for r in _results(clerk, *issue)] == ["recorded"] * 3
    assert _results(clerk, scan("return", copies[0], location=unit.desk, meeting=meeting["id"]))[0][
        "status"
    ] == ("recorded")
    assert _results(clerk, scan("return", copies[2], location=unit.desk, meeting=meeting["id"]))[0][
        "status"
    ] == ("recorded")

    shown = clerk.get(f"/meetings/{meeting['id']}").json()
    reader = next(a for a in shown["attendees"] if a["person"] == unit.reader.code)
    assert (reader["issued"], reader["returned"]) == (2, 1)
    assert (shown["issued"], shown["returned"]) == (3, 2)

    closed = clerk.post(f"/meetings/{meeting['id']}/close", {})
    assert closed.status_code == 200, closed.content
    out = closed.json()
    assert (out["issued"], out["returned"]) == (3, 2)
    assert out["missing"] == [{"carrier": copies[1].code, "holder": unit.reader.code, "copy_no": 3}]
    alert = Alert.objects.get(kind="meeting_unreturned")
    assert alert.carrier == copies[1] and alert.status == "open"
    assert alert.details["holder"] == unit.reader.code and alert.details["copy_no"] == 3
    assert Delivery.objects.filter(alert=alert, channel="email").count() == 1

    again = clerk.post(f"/meetings/{meeting['id']}/close", {})
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    # Nothing more is issued in a closed meeting; a late return is still taken.
    late_issue = scan("checkout", copies[0], counterpart=unit.reader, meeting=meeting["id"])
    refused = _results(clerk, late_issue)[0]
    assert refused["status"] == "rejected"
    assert refused["error"]["details"]["reason"] == "meeting_closed"
    back = scan("return", copies[1], location=unit.safe)
    assert _results(clerk, back)[0]["status"] == "recorded"
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_at is not None

    record = api_as(unit.committee).get(f"/meetings/{meeting['id']}/record.pdf")
    assert record.status_code == 200
    pdf = pdfium.PdfDocument(b"".join(record.streaming_content))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert copies[1].code in text and unit.reader.name in text and "未收回" in text

    # 会议文件发放回收登记簿: one row per copy issued, with its return.
    book = api_as(unit.committee).get("/registers/meetings.xlsx")
    assert book.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(book.streaming_content))).active
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True)]
    assert sheet["A1"].value == "会议文件发放回收登记簿"
    assert sorted(r[3] for r in rows) == sorted(c.code for c in copies)
    late = next(r for r in rows if r[3] == copies[1].code)
    assert late[0] == "年度保密工作会议" and late[4] == "第3份" and late[9]  # returned later
    assert api_as(unit.committee).get("/registers/meetings.pdf").status_code == 200


def test_issuing_to_someone_not_on_the_list_is_refused_not_attendee(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier], meeting_body: Any
) -> None:
    copy = make_carrier("secret")
    clerk = api_as(unit.clerk)
    meeting = clerk.post("/meetings", meeting_body([unit.reader])).json()
    outsider = scan("checkout", copy, counterpart=unit.clerk2, meeting=meeting["id"])
    [result] = _results(clerk, outsider)
    assert result["status"] == "rejected" and result["error"]["code"] == "not_attendee"
    copy.refresh_from_db()
    assert copy.status == "registered"  # nothing moved
    # The refusal is logged like every other one.
    assert clerk.get(f"/meetings/{meeting['id']}").json()["issued"] == 0


def test_issuing_above_an_attendees_clearance_is_refused(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier], meeting_body: Any
) -> None:
    # A 秘密 meeting clears 秘密 attendees; a 机密 copy handed to one of them is refused by
    # the checkout's own clearance guard.
    secret_copy = make_carrier("secret")
    clerk = api_as(unit.clerk)
    meeting = clerk.post("/meetings", meeting_body([unit.low], level="confidential")).json()
    [result] = _results(
        clerk, scan("checkout", secret_copy, counterpart=unit.low, meeting=meeting["id"])
    )
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "clearance_insufficient"


def test_the_attendee_list_is_cleared_for_the_level_at_creation(
    unit: Any, api_as: Any, meeting_body: Any
) -> None:
    clerk = api_as(unit.clerk)
    answer = clerk.post("/meetings", meeting_body([unit.reader, unit.low], level="secret"))
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["code"] == "clearance_insufficient" and error["details"]["person"] == unit.low.code
    assert not Attendee.objects.exists()
    # Only a registrar or a clerk runs a meeting.
    denied = api_as(unit.committee).post("/meetings", meeting_body([unit.reader]))
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"


def test_the_sweep_of_the_venue_is_recorded_once_and_printed_in_the_record(
    unit: Any, api_as: Any, meeting_body: Any
) -> None:
    clerk = api_as(unit.clerk)
    meeting = clerk.post("/meetings", meeting_body([unit.reader])).json()
    path = f"/meetings/{meeting['id']}"
    assert meeting["venue"] is None
    blank = clerk.post(f"{path}/venue", {"note": "  "})
    assert blank.status_code == 422 and blank.json()["error"]["details"]["field"] == "note"
    assert api_as(unit.reader).post(f"{path}/venue", {"note": "x"}).status_code == 403

    done = clerk.post(f"{path}/venue", {"note": "清场完毕，未见遗留文件"})
    assert done.status_code == 200, done.content
    venue = done.json()["venue"]
    assert (venue["note"], venue["by"]) == ("清场完毕，未见遗留文件", unit.clerk.code)
    again = clerk.post(f"{path}/venue", {"note": "再次清场"})
    assert again.status_code == 409
    assert again.json()["error"]["details"]["reason"] == "venue_recorded"
    assert clerk.get(path).json()["venue"]["note"] == "清场完毕，未见遗留文件"

    assert clerk.post(f"{path}/close", {}).status_code == 200
    record = api_as(unit.committee).get(f"{path}/record.pdf")
    pdf = pdfium.PdfDocument(b"".join(record.streaming_content))
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "会场清场" in text and "清场完毕" in text and "未记录" not in text
