"""涉密存储介质登记簿 and 涉密计算机登记簿: the media and the devices, one row each.

Built like the other registers (backend/registers/selectors.py): keyset chunks of the
``Medium`` rows with their carrier, and one query per chunk for the storage each device
holds, so the number of queries grows with chunks, not rows. No title appears, so no cell
depends on need-to-know; a medium's serial and level are what the register is for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backend.registers.selectors import (
    STATUS_ZH,
    TITLES,
    Filters,
    Register,
    _carrier_filter,
    _day,
    _keyset,
)
from backend.registry.levels import LEVEL_ZH
from backend.registry.media import DEVICE_KINDS, STORAGE_KINDS, Medium, MediumKind
from backend.registry.principals import Principal
from backend.registry.states import State

KIND_ZH = dict(MediumKind.choices)

FIELDS = (
    "id",
    "carrier_id",
    "carrier__code",
    "kind",
    "maker",
    "model",
    "serial",
    "capacity",
    "high_water",
    "host__code",
    "carrier__level",
    "carrier__status",
    "carrier__issued_on",
    "carrier__custodian__name",
    "carrier__location__name",
)

MEDIA_HEADINGS = (
    "编号",
    "介质类型",
    "品牌型号",
    "序列号/设备唯一标识",
    "容量",
    "密级",
    "曾存最高密级",
    "所在设备",
    "登记日期",
    "状态",
    "保管人",
    "存放位置",
)
COMPUTER_HEADINGS = (
    "编号",
    "设备类型",
    "品牌型号",
    "序列号/设备唯一标识",
    "密级",
    "内置存储（编号 序列号）",
    "登记日期",
    "状态",
    "保管人",
    "存放位置",
)


def _media(filters: Filters, kinds: frozenset[MediumKind]) -> Any:
    qs = Medium.objects.filter(kind__in=[k.value for k in kinds]).filter(
        _carrier_filter(filters, "carrier__")
    )
    if filters.start:
        qs = qs.filter(carrier__issued_on__gte=filters.start)
    if filters.end:
        qs = qs.filter(carrier__issued_on__lte=filters.end)
    return qs


def _maker(m: dict[str, Any]) -> str:
    return " ".join(p for p in (m["maker"], m["model"]) if p)


def media_register(principal: Principal, filters: Filters) -> Register:
    """涉密存储介质登记簿: every U盘, disk, disc and card, with the device it sits in."""
    qs = _media(filters, STORAGE_KINDS)

    def rows() -> Iterator[tuple[str, ...]]:
        for chunk in _keyset(qs, FIELDS):
            for m in chunk:
                yield (
                    m["carrier__code"],
                    KIND_ZH[m["kind"]],
                    _maker(m),
                    m["serial"],
                    m["capacity"],
                    LEVEL_ZH[m["carrier__level"]],
                    LEVEL_ZH[m["high_water"]],
                    m["host__code"] or "",
                    _day(m["carrier__issued_on"]),
                    STATUS_ZH[m["carrier__status"]],
                    m["carrier__custodian__name"],
                    m["carrier__location__name"],
                )

    return Register(
        "media",
        TITLES["media"],
        MEDIA_HEADINGS,
        (24, 14, 24, 30, 12, 9, 14, 24, 17, 11, 13, 18),
        rows(),
        filters,
        {"count": qs.count},
    )


def _installed(device_ids: list[int]) -> dict[int, list[str]]:
    """The storage still inside each device (destroyed media are out of it for good)."""
    out: dict[int, list[str]] = {}
    rows = (
        Medium.objects.filter(host_id__in=device_ids)
        .exclude(carrier__status=State.DESTROYED)
        .order_by("carrier__code")
        .values_list("host_id", "carrier__code", "serial")
    )
    for host_id, code, serial in rows:
        out.setdefault(host_id, []).append(f"{code} {serial}")
    return out


def computers_register(principal: Principal, filters: Filters) -> Register:
    """涉密计算机登记簿: computers and other devices with storage, and their disks."""
    qs = _media(filters, DEVICE_KINDS)

    def rows() -> Iterator[tuple[str, ...]]:
        for chunk in _keyset(qs, FIELDS):
            inside = _installed([m["carrier_id"] for m in chunk])
            for m in chunk:
                yield (
                    m["carrier__code"],
                    KIND_ZH[m["kind"]],
                    _maker(m),
                    m["serial"],
                    LEVEL_ZH[m["carrier__level"]],
                    "；".join(inside.get(m["carrier_id"], [])),
                    _day(m["carrier__issued_on"]),
                    STATUS_ZH[m["carrier__status"]],
                    m["carrier__custodian__name"],
                    m["carrier__location__name"],
                )

    return Register(
        "computers",
        TITLES["computers"],
        COMPUTER_HEADINGS,
        (24, 16, 26, 30, 9, 60, 17, 11, 13, 18),
        rows(),
        filters,
        {"count": qs.count},
    )
