"""Meeting fixtures: copies made through the copy procedure, and a meeting over the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from backend.classification.copies import copy_decide, copy_request
from backend.registry.models import Carrier
from backend.registry.principals import Principal


def copies_of(unit: Any, original: Carrier, count: int) -> list[Carrier]:
    """``count`` numbered copies of ``original``: requested by the registrar, approved by
    an approver (复制审批), each its own carrier with its own chain."""
    request = copy_request(
        principal=Principal(person=unit.registrar),
        code=original.code,
        kind="copy",
        count=count,
        custodian=unit.clerk,
        location=unit.safe,
        reason="会议分发",
    )
    _, made = copy_decide(
        principal=Principal(person=unit.approver),
        request_id=request.id,
        decision="approve",
        opinion="同意",
    )
    return made


@pytest.fixture
def meeting_body(unit: Any) -> Callable[..., dict[str, Any]]:
    def make(attendees: list[Any], level: str = "secret", **kw: Any) -> dict[str, Any]:
        now = timezone.now()
        return {
            "title": kw.get("title", "年度保密工作会议"),
            "level": level,
            "location": unit.desk.code,
            "starts_at": (now - timedelta(minutes=5)).isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(),
            "attendees": [p.code for p in attendees],
        }

    return make
