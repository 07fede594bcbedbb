"""涉密人员: undertakings, grades, and leaving only after every carrier is returned."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import time_machine

from backend.alerts.models import Alert
from backend.alerts.sweep import sweep_run
from backend.registry.models import Carrier, Person
from tests.classification.test_procedure import err
from tests.conftest import scan

TODAY = date(2026, 3, 2)


def _scan(api: Any, *scans: dict[str, Any]) -> None:
    results = api.post("/scans", {"scans": list(scans)}).json()["results"]
    assert [r["status"] for r in results] == ["recorded"] * len(scans), results


@time_machine.travel("2026-03-02 09:00 +08:00", tick=False)
def test_a_person_is_graded_only_after_signing_the_on_post_undertaking(
    unit: Any, api_as: Any
) -> None:
    office = api_as(unit.committee)
    code = unit.reader.code
    assert err(office.post(f"/people/{code}/grade", {"grade": "important"})) == (
        409,
        "invalid_transition",
        {"reason": "undertaking_missing", "kind": "on_post"},
    )
    signed = office.post(
        f"/people/{code}/undertakings",
        {"kind": "on_post", "signed_on": "2026-03-01", "text": "本人承诺遵守保密法律法规……"},
    )
    assert signed.status_code == 201, signed.content
    assert signed.json()["recorded_by"] == unit.committee.code
    graded = office.post(f"/people/{code}/grade", {"grade": "important"})
    assert graded.status_code == 200, graded.content
    body = graded.json()
    assert body["grade"] == "important"
    assert [(u["kind"], u["signed_on"]) for u in body["undertakings"]] == [
        ("on_post", "2026-03-01")
    ]
    # A signature dated tomorrow is refused; so is anyone outside the office.
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert err(
        office.post(f"/people/{code}/undertakings", {"kind": "on_post", "signed_on": tomorrow})
    )[:2] == (422, "invalid")
    assert err(api_as(unit.clerk).post(f"/people/{code}/grade", {"grade": "core"}))[:2] == (
        403,
        "forbidden",
    )
    # The person reads their own file; another person may not.
    assert api_as(unit.reader).get(f"/people/{code}/file").status_code == 200
    assert api_as(unit.low).get(f"/people/{code}/file").status_code == 403


@time_machine.travel("2026-03-02 09:00 +08:00", tick=False)
def test_leaving_is_refused_while_the_person_holds_a_carrier_and_allowed_once_returned(
    unit: Any, api_as: Any, make_carrier: Callable[..., Carrier]
) -> None:
    office = api_as(unit.committee)
    code = unit.reader.code
    carrier = make_carrier("secret")
    _scan(
        api_as(unit.clerk),
        scan("checkout", carrier, counterpart=unit.reader, location=unit.desk),
    )
    office.post(f"/people/{code}/undertakings", {"kind": "on_post", "signed_on": "2025-01-01"})
    office.post(f"/people/{code}/grade", {"grade": "core"})

    # The departure is planned while they still hold it; the decontrol period defaults by
    # grade (core: 36 months) and the holder_departing detector starts chasing the carrier.
    planned = office.post(f"/people/{code}/departure", {"departs_on": "2026-03-10"})
    assert planned.status_code == 200, planned.content
    assert planned.json()["decontrol_months"] == 36
    assert planned.json()["holding"] == [carrier.code]
    sweep_run(daily=True)
    assert Alert.objects.filter(kind="holder_departing", carrier=carrier, status="open").exists()

    assert err(office.post(f"/people/{code}/leave", {})) == (
        409,
        "invalid_transition",
        {"reason": "holds_carriers", "carriers": [carrier.code]},
    )
    assert Person.objects.get(id=unit.reader.id).active

    _scan(api_as(unit.clerk), scan("return", carrier, location=unit.desk))
    # Every carrier is back, but the leaving undertaking is not yet signed.
    assert err(office.post(f"/people/{code}/leave", {}))[2] == {
        "reason": "undertaking_missing",
        "kind": "on_leaving",
    }
    office.post(f"/people/{code}/undertakings", {"kind": "on_leaving", "signed_on": "2026-03-02"})
    left = office.post(f"/people/{code}/leave", {"decontrol_months": 30})
    assert left.status_code == 200, left.content
    body = left.json()
    assert body["active"] is False and body["holding"] == []
    assert body["departs_on"] == "2026-03-02" and body["decontrol_months"] == 30
    assert body["decontrol_ends_on"] == "2028-09-02"
    assert err(office.post(f"/people/{code}/leave", {}))[:2] == (409, "invalid_transition")
    # Gone people receive nothing: a hand-over to them is refused at the desk.
    again = make_carrier("secret")
    refused = api_as(unit.clerk).post(
        "/scans", {"scans": [scan("checkout", again, counterpart=unit.reader, location=unit.desk)]}
    )
    assert refused.json()["results"][0]["status"] == "rejected"


@time_machine.travel("2026-03-02 09:00 +08:00", tick=False)
def test_a_departure_date_in_the_past_and_a_general_grades_default_period(
    unit: Any, api_as: Any, settings: Any
) -> None:
    office = api_as(unit.admin)
    code = unit.low.code
    assert err(office.post(f"/people/{code}/departure", {"departs_on": "2026-03-01"}))[:2] == (
        422,
        "invalid",
    )
    ok = office.post(f"/people/{code}/departure", {"departs_on": "2026-04-01"})
    assert ok.json()["decontrol_months"] == 12 and ok.json()["decontrol_ends_on"] == "2027-04-01"
    settings.CUSTOS_DECONTROL_MONTHS = {"general": 6}
    ok = office.post(f"/people/{code}/departure", {"departs_on": "2026-04-01"})
    assert ok.json()["decontrol_months"] == 6
