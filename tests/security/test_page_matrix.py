"""Roles × clearances × every page: no page shows a title or basis the person may not
know. The carriers are put where the pages list them: an open alert (dashboard), a
destruction request (destruction pages), checked out (desk), a draft (classification)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backend.alerts.services import alert_raise
from backend.custody.services import ScanIn, scans_ingest
from backend.inventory.services import stocktake_open
from backend.registry.principals import Principal
from tests.security.test_matrix import (
    CLEARANCES,
    ROLES,
    _knows,
    _text_of,
    approved_carry_out,
)


def _record(principal: Principal, **scan: Any) -> None:
    import uuid

    (result,) = scans_ingest(principal=principal, scans=[ScanIn(id=uuid.uuid4(), **scan)])
    assert result.status == "recorded", result.error


@pytest.fixture
def placed(unit: Any, make_carrier: Any) -> dict[str, Any]:
    ts = make_carrier("top_secret", title="绝密标题ALPHA", basis="绝密依据ALPHA")
    scoped = make_carrier(
        "secret", title="机密标题BRAVO", basis="机密依据BRAVO", scope=[unit.clerk]
    )
    draft = make_carrier("secret", title="机密草稿DELTA", basis="机密依据DELTA", draft=True)
    alert_raise(kind="custody_mismatch", carrier=ts, opened_at=timezone.now(), details={})
    alert_raise(kind="custody_mismatch", carrier=scoped, opened_at=timezone.now(), details={})
    _record(
        Principal(person=unit.clerk),
        action="destroy_request",
        carrier=scoped.code,
        location=unit.desk.code,
    )
    _record(
        Principal(person=unit.clerk),
        action="checkout",
        carrier=ts.code,
        counterpart=unit.clerk2.code,
        location=unit.desk.code,
        escort=unit.registrar.code,
        due_at=timezone.now() + timedelta(hours=2),
    )
    # A stocktake that has found the 绝密 carrier: its page lists what it found.
    stocktake = stocktake_open(principal=Principal(person=unit.clerk), location=ts.location)
    _record(
        Principal(person=unit.clerk),
        action="inventory",
        carrier=ts.code,
        location=ts.location.code,
        inventory=stocktake.id,
    )
    # 外出携带: an approved request naming the 绝密 carrier.
    carry = approved_carry_out(unit, [ts])
    return {
        "carriers": [ts, scoped, draft],
        "unit": unit,
        "stocktake": stocktake.id,
        "carry_out": carry,
    }


def _pages(carriers: list[Any], stocktake: int, carry_out: int) -> list[str]:
    pages = [
        "/home/",
        "/desk/",
        "/dashboard/",
        "/destruction/",
        "/destruction/site/",
        "/destruction/site/panel/",
        "/register/",
        "/classification/",
        "/labels/",
        "/registers/",
        "/imports/",
        "/stocktakes/",
        "/campaigns/",
        "/people/",
        "/audit/",
        f"/stocktakes/{stocktake}/",
        "/carry-outs/",
        f"/carry-outs/{carry_out}/",
        f"/carry-outs/{carry_out}/form.pdf",
    ]
    for c in carriers:
        pages += [f"/carriers/{c.code}/", f"/labels/{c.code}.svg"]
    return pages


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_what_the_person_may_not_know(
    role: str, placed: dict[str, Any], make_person: Any, settings: Any
) -> None:
    carriers = placed["carriers"]
    for clearance in CLEARANCES:
        person = make_person((role,) if role else (), clearance)
        from backend.desk.services import person_set_password

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        person_set_password(person=person, password="pw", check=False)
        client = Client()
        client.post("/", {"username": person.code, "password": "pw"})
        secrets = [
            s
            for c in carriers
            if not _knows(role, clearance, person.code, c)
            for s in (c.title, c.basis)
        ]
        seen = ""
        for path in _pages(carriers, placed["stocktake"], placed["carry_out"]):
            answer = client.get(path, follow=True)
            assert answer.status_code in {200, 403, 404, 409}, f"{role}/{clearance} {path}"
            text = _text_of(answer)
            seen += text
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{role or 'no role'}/{clearance} {path} shows {leaked}"
        if role == "committee":  # the control: the pages do show titles to those who know
            assert all(c.title in seen for c in carriers)
