"""backend/registry/duties.py: 三员分立, separated administrator duties."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from backend.errors import ServiceError
from backend.registry.duties import person_roles_set
from backend.registry.models import Person
from backend.registry.principals import Principal

pytestmark = pytest.mark.django_db

PAIRS = [("admin", "auditor"), ("admin", "security_admin"), ("security_admin", "auditor")]


@pytest.mark.parametrize("roles", PAIRS)
def test_nobody_is_created_holding_two_separated_duties(
    make_person: Any, api_as: Any, unit: Any, roles: tuple[str, str]
) -> None:
    with pytest.raises(ServiceError) as refused:
        make_person(roles)
    assert refused.value.code == "invalid"
    answer = api_as(unit.admin).post(
        "/people", {"name": "两职", "clearance": "secret", "roles": list(roles)}
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid")
    with pytest.raises(Exception, match="三员分立"):
        call_command(
            "person",
            "add",
            "--name",
            "两职",
            "--clearance",
            "secret",
            "--roles",
            ",".join(roles),
            stdout=StringIO(),
        )
    assert not Person.objects.filter(name="两职").exists()


def test_the_security_admin_assigns_roles_but_not_their_own(make_person: Any, unit: Any) -> None:
    security = make_person(("security_admin",), "secret")
    reader = unit.reader
    person_roles_set(principal=Principal(person=security), person=reader, roles=["auditor"])
    reader.refresh_from_db()
    assert reader.roles == ["auditor"]
    with pytest.raises(ServiceError) as own:
        person_roles_set(
            principal=Principal(person=security), person=security, roles=["security_admin", "clerk"]
        )
    assert own.value.code == "forbidden"
    with pytest.raises(ServiceError) as joined:
        person_roles_set(
            principal=Principal(person=security), person=reader, roles=["auditor", "admin"]
        )
    assert joined.value.code == "invalid"


def test_an_administrator_cannot_give_themself_or_anyone_the_auditor_role(unit: Any) -> None:
    for target in (unit.admin, unit.reader):
        with pytest.raises(ServiceError) as refused:
            person_roles_set(
                principal=Principal(person=unit.admin), person=target, roles=["auditor"]
            )
        assert refused.value.code == "forbidden"
    unit.admin.refresh_from_db()
    assert unit.admin.roles == ["admin"]


def test_an_auditor_reads_the_ledger_and_checkpoints_but_manages_no_one(
    make_person: Any, api_as: Any, settings: Any, tmp_path: Any
) -> None:
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"
    api = api_as(make_person(("auditor",), "none"))
    assert api.get("/ledger/verify").status_code == 200
    assert api.get("/ledger/checkpoints/latest").status_code == 404  # allowed; none made yet
    answer = api.post("/people", {"name": "x", "clearance": "secret", "roles": ["clerk"]})
    assert answer.status_code == 403
