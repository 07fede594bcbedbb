"""Scanner devices act only with the actions their location's kind is for: a handover
desk cannot record ``destroy``; a destruction site can (backend/custody/lifecycle/)."""

from __future__ import annotations

from typing import Any

import pytest

from backend.custody.lifecycle import DEVICE_ACTIONS, Action, device_may
from backend.registry.levels import LocationKind
from backend.registry.services import device_create, token_create
from tests.conftest import Api, scan


def test_every_location_kind_has_a_row_and_every_row_names_real_actions() -> None:
    assert set(DEVICE_ACTIONS) == set(LocationKind.values)
    assert all(actions <= set(Action) for actions in DEVICE_ACTIONS.values())


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("kind", list(LocationKind.values))
def test_device_may_follows_the_table(kind: str, action: Action) -> None:
    refusal = device_may(location_kind=kind, action=action)
    if action in DEVICE_ACTIONS[kind]:
        assert refusal is None
    else:
        assert refusal is not None and refusal.code == "forbidden"
        assert refusal.details["reason"] == "device_location_kind"


def test_a_desk_cannot_destroy_and_a_destruction_site_can() -> None:
    assert device_may(location_kind="desk", action=Action.DESTROY) is not None
    assert device_may(location_kind="desk", action=Action.DESTROY_WITNESS) is not None
    assert device_may(location_kind="destruction", action=Action.DESTROY) is None
    assert device_may(location_kind="destruction", action=Action.DESTROY_WITNESS) is None
    assert device_may(location_kind="desk", action=Action.CHECKOUT) is None


@pytest.mark.django_db
def test_a_desk_scanner_is_refused_a_destroy_scan_over_the_api(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    desk = Api(token_create(device=device_create(name="desk scanner", location=unit.desk)))
    answer = desk.post("/scans", {"scans": [scan("destroy", carrier, actor=unit.clerk)]})
    (result,) = answer.json()["results"]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "forbidden"
    assert result["error"]["details"]["reason"] == "device_location_kind"


@pytest.mark.django_db
def test_a_destruction_site_scanner_reaches_the_lifecycle_for_destroy(
    unit: Any, make_carrier: Any
) -> None:
    carrier = make_carrier()
    site = Api(token_create(device=device_create(name="site scanner", location=unit.site)))
    answer = site.post("/scans", {"scans": [scan("destroy", carrier, actor=unit.clerk)]})
    (result,) = answer.json()["results"]
    # Not refused for the place: the lifecycle judges it (nothing was approved yet).
    assert result["status"] == "rejected"
    assert result["error"].get("details", {}).get("reason") != "device_location_kind"
