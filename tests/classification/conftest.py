"""People of the 定密 procedure: a handler, a reviewer and classification authorities."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend.registry.models import Carrier, Person


@pytest.fixture
def board(unit: Any, make_person: Callable[..., Person]) -> Any:
    """The handler is ``unit.registrar``; approvers with recorded authority ceilings."""

    def approver(name: str, authority: str) -> Person:
        person = make_person(("approver",), "top_secret", name=name)
        person.authority = authority
        person.save(update_fields=["authority"])
        return person

    class Board:
        handler = unit.registrar
        reviewer = approver("审核人 reviewer", "secret")
        chief = approver("定密责任人 chief", "top_secret")
        deputy = approver("副职 deputy", "secret")
        township = approver("乡镇 township", "confidential")

    return Board


@pytest.fixture
def draft_body(unit: Any) -> Callable[..., dict[str, Any]]:
    def make(**kw: Any) -> dict[str, Any]:
        body = {
            "title": "年度工作要点",
            "form": "paper",
            "level": "secret",
            "period": {"years": 10},
            "basis": "定密事项一览表第3项",
            "custodian": unit.clerk.code,
            "location": unit.safe.code,
            "scope": [unit.clerk.code, unit.reader.code],
        }
        body.update(kw)
        return body

    return make


def fresh(carrier: Carrier | str) -> Carrier:
    return Carrier.objects.get(code=carrier if isinstance(carrier, str) else carrier.code)
