"""The exit-and-return desk of a request for a computer, without a browser: the page lists
the disks inside it, the computer's scan takes them out and back in, and a disk scanned on
its own is refused in the clerk's words."""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from backend.registry.models import Carrier
from tests.carryouts.test_carry_outs import request_body
from tests.custody.test_media_ingest import computer, disk
from tests.desk.test_meeting_pages import _client


def test_the_desk_shows_the_disks_and_moves_them_with_their_computer(
    unit: Any, make_carrier: Any, api_as: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    pc = computer(make_carrier)
    inside = disk(make_carrier, host=pc)
    today = timezone.localdate()
    made = api_as(unit.reader).post(
        "/carry-outs", request_body([pc], [unit.reader], leaves_on=today, returns_on=today)
    )
    request_id = made.json()["id"]
    api_as(unit.approver).post(
        f"/carry-outs/{request_id}/decision", {"decision": "approve", "opinion": "同意"}
    )
    clerk = _client(unit.clerk)
    page = clerk.get(f"/carry-outs/{request_id}/").content.decode()
    assert f'data-code="{inside.code}"' in page and f"安装于 {pc.code}，随机带出" in page
    assert 'data-waiting="2"' in page

    def desk(code: str) -> str:
        answer = clerk.post(
            f"/carry-outs/{request_id}/scan/", {"carrier": code, "scan_id": str(uuid.uuid4())}
        )
        assert answer.status_code == 200
        return str(answer.content.decode())

    out = desk(pc.code)
    assert 'data-ok="1"' in out and 'data-out="2"' in out
    assert Carrier.objects.get(id=inside.id).status == "off_site"
    alone = desk(inside.code)  # out on this request: the desk tries to bring it back alone
    assert 'data-ok="0"' in alone and pc.code in alone and 'data-out="2"' in alone
    back = desk(pc.code)
    assert 'data-ok="1"' in back and 'data-back="2"' in back
    assert Carrier.objects.get(id=inside.id).status == "in_storage"
