"""The stocktake's rule for a sighting: an ``inventory`` scan names an open stocktake at
the place it is made. Custody asks it before locking any carrier (hook ``scan_check``,
subscribed in :class:`backend.inventory.apps.InventoryConfig`)."""

from __future__ import annotations

from typing import Any

from backend.custody.lifecycle import Action
from backend.errors import ServiceError
from backend.inventory.models import Stocktake

# (index in the batch, the scan, its checked codes) as custody passes them.
Checked = list[tuple[int, Any, dict[str, str | None]]]


def stocktake_scans_check(checked: Checked) -> dict[int, ServiceError]:
    """The refusals, by batch index, of the scans that name a stocktake (one query for the
    batch, none when no scan names one)."""
    naming = [(index, scan, codes) for index, scan, codes in checked if scan.inventory is not None]
    if not naming:
        return {}
    open_at = dict(
        Stocktake.objects.filter(
            id__in={scan.inventory for _, scan, _ in naming}, closed_at__isnull=True
        ).values_list("id", "location__code")
    )
    refused: dict[int, ServiceError] = {}
    for index, scan, codes in naming:
        error = stocktake_refusal(scan.action, scan.inventory, codes["location"], open_at)
        if error is not None:
            refused[index] = error
    return refused


def stocktake_refusal(
    action: str, inventory: int, location: str | None, open_at: dict[int, str]
) -> ServiceError | None:
    """A sighting for a stocktake counts only while it is open and at its location."""
    if action != Action.INVENTORY:
        return ServiceError(
            "invalid", "Only inventory scans name a stocktake.", {"field": "inventory"}
        )
    where = open_at.get(inventory)
    if where is None:
        return ServiceError(
            "invalid_transition",
            f"Stocktake {inventory} is not open. 该清查未开启或已结束。",
            {"reason": "stocktake_closed", "inventory": inventory},
        )
    if location != where:
        return ServiceError(
            "invalid_transition",
            f"Stocktake {inventory} counts {where}, not {location}. 清查地点不符。",
            {"reason": "stocktake_elsewhere", "inventory": inventory},
        )
    return None
