"""清退 campaigns in one process: opening, returns through the ledger, progress per holder,
the overdue cases through the sweep, the holders' notices by mail, and the departure rule."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from backend.alerts.models import Alert, Delivery
from backend.alerts.sweep import sweep_run
from backend.campaigns.models import Campaign, CampaignCarrier, CampaignNotice
from backend.campaigns.notices import notices_send
from backend.classification.personnel import person_leave
from backend.custody.models import CustodyEvent
from backend.errors import ServiceError
from backend.registry.models import Carrier, Person
from backend.registry.principals import Principal
from tests.alerts.loopback import SmtpServer
from tests.conftest import scan


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.CUSTOS_ALERT_EMAILS = ["committee@unit.example"]
        settings.CUSTOS_WEBHOOK_URL = ""
        yield server


@pytest.fixture
def out(unit: Any, make_person: Callable[..., Person], make_carrier: Callable[..., Carrier],
        api_as: Any) -> dict[str, Any]:  # fmt: skip
    """Two holders: A holds three secret carriers, B one confidential; one more in the safe."""
    a, b = make_person((), "secret", name="holder A"), make_person((), "secret", name="holder B")
    held = {a: [make_carrier("secret") for _ in range(3)], b: [make_carrier("confidential")]}
    clerk = api_as(unit.clerk)
    checkouts = [
        scan("checkout", c, counterpart=holder, location=unit.desk)
        for holder, carriers in held.items()
        for c in carriers
    ]
    results = clerk.post("/scans", {"scans": checkouts}).json()["results"]
    assert [r["status"] for r in results] == ["recorded"] * 4
    return {"a": a, "b": b, "held": held, "stored": make_carrier("secret"), "clerk": clerk}


def _open(api: Any, **body: Any) -> Any:
    deadline = timezone.now() + timedelta(days=7)
    return api.post("/campaigns", {"title": "2026 年度清退", "deadline": deadline, **body})


def test_a_campaign_by_level_lists_each_carrier_out_with_its_holder(
    unit: Any, out: dict[str, Any], api_as: Any
) -> None:
    answer = _open(api_as(unit.committee), level="secret")
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["carriers"], body["holders"], body["returned"]) == (3, 1, 0)
    assert body["status"] == "open" and body["criteria"] == {"level": "secret"}
    [row] = body["by_holder"]
    assert row["holder"] == out["a"].code and row["total"] == 3
    assert row["outstanding"] == sorted(c.code for c in out["held"][out["a"]])
    # The stored carrier is in the unit's hands: not called back.
    assert out["stored"].code not in row["outstanding"]


def test_returns_mark_the_rows_once_and_the_campaign_closes_at_100_percent(
    unit: Any, out: dict[str, Any], api_as: Any
) -> None:
    committee = api_as(unit.committee)
    body = _open(committee, issuing_unit="xz").json()
    assert (body["carriers"], body["holders"]) == (4, 2)
    carriers = [c for cs in out["held"].values() for c in cs]
    first = [scan("return", c, location=unit.desk) for c in carriers[:2]]
    assert [r["status"] for r in out["clerk"].post("/scans", {"scans": first}).json()["results"]] \
        == ["recorded"] * 2  # fmt: skip
    # The desk resends the same batch (an offline desk catching up): nothing new.
    again = out["clerk"].post("/scans", {"scans": first}).json()["results"]
    assert [r["status"] for r in again] == ["duplicate"] * 2
    progress = committee.get(f"/campaigns/{body['id']}").json()
    assert (progress["returned"], progress["percent"], progress["status"]) == (2, 50.0, "open")
    row = CampaignCarrier.objects.get(carrier=carriers[0])
    event = CustodyEvent.objects.get(id=first[0]["id"])
    assert (row.return_seq, row.return_event, row.returned_at) == (
        event.seq, event.id, event.occurred_at)  # fmt: skip

    rest = [scan("return", c, location=unit.desk) for c in carriers[2:]]
    out["clerk"].post("/scans", {"scans": rest})
    done = committee.get(f"/campaigns/{body['id']}").json()
    assert (done["returned"], done["percent"], done["status"]) == (4, 100.0, "closed")
    assert all(h["outstanding"] == [] for h in done["by_holder"])
    assert CampaignCarrier.objects.filter(return_seq__isnull=False).count() == 4


def test_only_the_committee_opens_and_the_choice_is_checked(
    unit: Any, out: dict[str, Any], api_as: Any
) -> None:
    refused = _open(api_as(unit.clerk), level="secret")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    committee = api_as(unit.committee)
    nothing = _open(committee)
    assert nothing.status_code == 422 and nothing.json()["error"]["code"] == "invalid"
    stored = _open(committee, carriers=[out["stored"].code])
    assert stored.status_code == 409
    assert stored.json()["error"]["details"] == {
        "reason": "not_held", "carriers": [out["stored"].code]}  # fmt: skip
    past = committee.post("/campaigns", {"title": "x", "deadline": timezone.now() - timedelta(
        hours=1), "level": "secret"})  # fmt: skip
    assert past.status_code == 422
    bad = _open(committee, carriers=[out["stored"].code[:-1] + "0"])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_check_character"
    assert committee.get("/campaigns/999999").status_code == 404
    assert Campaign.objects.count() == 0


def test_overdue_holders_raise_one_case_per_carrier_through_the_sweep_and_a_return_ends_it(
    unit: Any, out: dict[str, Any], api_as: Any, settings: Any
) -> None:
    settings.CUSTOS_ALERT_EMAILS = ["committee@unit.example"]
    committee = api_as(unit.committee)
    body = _open(committee, carriers=[c.code for c in out["held"][out["a"]]]).json()
    sweep_run()
    assert not Alert.objects.filter(kind="campaign_overdue").exists()
    late = Campaign.objects.get(id=body["id"]).deadline + timedelta(minutes=1)
    with time_machine.travel(late, tick=False):
        first = sweep_run()
        second = sweep_run()  # a second sweep (another worker) opens nothing more
        assert committee.get(f"/campaigns/{body['id']}").json()["overdue"] is True
    cases = Alert.objects.filter(kind="campaign_overdue").order_by("carrier__code")
    assert first.opened >= 3 and second.opened == 0 and cases.count() == 3
    assert {a.details["holder"] for a in cases} == {out["a"].code}
    assert Delivery.objects.filter(alert__in=cases, round=0).count() == 3
    # Follow-up as every case: a reminder round after CUSTOS_REMIND_SECONDS.
    with time_machine.travel(late + timedelta(seconds=settings.CUSTOS_REMIND_SECONDS + 60)):
        assert sweep_run().reminded >= 3
    assert Delivery.objects.filter(alert__in=cases, round=1).count() == 3

    carrier = out["held"][out["a"]][0]
    out["clerk"].post("/scans", {"scans": [scan("return", carrier, location=unit.desk)]})
    assert Alert.objects.get(kind="campaign_overdue", carrier=carrier).status == "resolved"
    assert cases.exclude(status="resolved").count() == 2


def test_a_holder_still_listed_cannot_leave(unit: Any, out: dict[str, Any], api_as: Any) -> None:
    committee = api_as(unit.committee)
    carrier = out["held"][out["b"]][0]
    body = _open(committee, carriers=[carrier.code]).json()
    refused = committee.post(f"/people/{out['b'].code}/leave", {})
    assert refused.status_code == 409, refused.content
    error = refused.json()["error"]
    assert error["code"] == "holder_has_carriers"
    assert error["details"]["campaign"] == [carrier.code]
    # A checkout lists them too: once the campaign is closed, the carrier still out with
    # them refuses the leaving (the custody rule).
    committee.post(f"/campaigns/{body['id']}/close", {})
    with pytest.raises(ServiceError) as held:
        person_leave(principal=Principal(person=unit.committee), code=out["b"].code)
    assert held.value.details["reason"] == "holds_carriers"
    assert Person.objects.get(id=out["b"].id).active


def test_each_holder_gets_one_notice_by_mail_without_titles(
    unit: Any, out: dict[str, Any], api_as: Any, smtp: SmtpServer
) -> None:
    body = _open(api_as(unit.committee), issuing_unit="XZ").json()
    assert CampaignNotice.objects.filter(campaign_id=body["id"]).count() == 2
    smtp.sink.refuse = 1  # the mail server refuses once: the notice waits and is retried
    first = notices_send()
    assert first["failed"] == 1 and first["sent"] == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        assert notices_send()["sent"] == 1
    assert notices_send()["claimed"] == 0
    bodies = smtp.sink.bodies()
    assert len(bodies) == 2
    for holder, carriers in out["held"].items():
        [text] = [b for b in bodies if holder.code in b]
        assert all(c.code in text for c in carriers)
        assert all(c.title not in text for c in carriers)


def test_the_register_lists_each_carrier_called_back_with_its_return(
    unit: Any, out: dict[str, Any], api_as: Any
) -> None:
    committee = api_as(unit.committee)
    body = _open(committee, issuing_unit="xz").json()
    back = out["held"][out["b"]][0]
    returned = out["clerk"].post("/scans", {"scans": [scan("return", back, location=unit.desk)]})
    assert returned.json()["results"][0]["status"] == "recorded"
    answer = committee.get("/registers/campaigns.xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(answer.streaming_content))).active
    assert sheet.cell(row=1, column=1).value.startswith("涉密载体清退登记簿")
    rows = {r[2]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[2]}
    assert set(rows) == {c.code for cs in out["held"].values() for c in cs}
    seq = CustodyEvent.objects.filter(carrier=back, action="return").get().seq
    assert rows[back.code][0] == str(body["id"])
    assert rows[back.code][8:] == (str(seq), "已退回")
    still = out["held"][out["a"]][0].code
    assert rows[still][5].endswith(f"（{out['a'].code}）") and rows[still][9] == "未退回"
    # Need-to-know: a reader without the clearance gets the codes, never the titles.
    reader = api_as(unit.reader).get("/registers/campaigns.xlsx")
    text = b"".join(reader.streaming_content) if reader.status_code == 200 else b""
    assert all(c.title.encode() not in text for cs in out["held"].values() for c in cs)
