"""Writes about storage media and devices: their record, the serial rule, the high-water rule.

``medium_attach`` is called by ``classification.intake.carrier_register`` inside the same
transaction that writes the carrier, so a carrier of a refused medium is never written.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.registry.levels import LEVEL_ZH
from backend.registry.media import DEVICE_KINDS, STORAGE_KINDS, Medium, MediumKind, serial_key
from backend.registry.models import Carrier
from backend.registry.states import RANK


@dataclass(frozen=True, slots=True)
class MediumSpec:
    """What a registration says about a medium (``POST /carriers``'s ``medium``)."""

    kind: str
    serial: str
    maker: str = ""
    model: str = ""
    capacity: str = ""
    host: Carrier | None = None  # the device this storage is installed in


def _level_lowered(medium: Medium, level: str) -> ServiceError:
    return ServiceError(
        "level_lowered",
        _(
            "This medium has held %(held)s information; it is never used again at a lower "
            "level (%(level)s)."
        )
        % {"held": LEVEL_ZH[medium.high_water], "level": LEVEL_ZH[level]},
        {
            "serial": medium.serial,
            "high_water": medium.high_water,
            "level": level,
            "carrier": medium.carrier.code,
        },
    )


def _duplicate(medium: Medium) -> ServiceError:
    return ServiceError(
        "duplicate_serial",
        _("A medium with serial number %(serial)s is registered already as %(code)s.")
        % {"serial": medium.serial, "code": medium.carrier.code},
        {"serial": medium.serial, "carrier": medium.carrier.code},
    )


def medium_attach(*, carrier: Carrier, spec: MediumSpec) -> Medium:
    """Record that ``carrier`` is a storage medium or device.

    1. The kind must be known and the serial (or device unique ID) given.
    2. A serial already registered in the unit is refused: ``level_lowered`` when the new
       registration would use the medium below the highest level it has held (the
       high-water rule names the worse fault), else ``duplicate_serial``.
    3. The record starts with ``high_water`` at the carrier's level.
    """
    if spec.kind not in MediumKind.values:
        raise ServiceError(
            "invalid",
            _("Unknown medium kind %(kind)s.") % {"kind": repr(spec.kind)},
            {"field": "medium.kind", "allowed": MediumKind.values},
        )
    key = serial_key(spec.serial)
    if not key:
        raise ServiceError(
            "invalid",
            _("A medium needs its serial number or device unique ID."),
            {"field": "medium.serial"},
        )
    if spec.host is not None:
        _host_check(spec.host, spec.kind)
    unit = settings.CUSTOS_UNIT
    existing = Medium.objects.select_related("carrier").filter(unit=unit, serial_key=key).first()
    if existing is not None:
        if RANK[carrier.level] < RANK[existing.high_water]:
            raise _level_lowered(existing, carrier.level)
        raise _duplicate(existing)
    try:
        with transaction.atomic():
            return Medium.objects.create(
                carrier=carrier,
                kind=spec.kind,
                maker=spec.maker.strip(),
                model=spec.model.strip(),
                serial=spec.serial.strip(),
                serial_key=key,
                capacity=spec.capacity.strip(),
                unit=unit,
                high_water=carrier.level,
                host=spec.host,
            )
    except IntegrityError:
        # Two desks registered the same drive at once: the loser reads the winner's row.
        winner = Medium.objects.select_related("carrier").get(unit=unit, serial_key=key)
        raise _duplicate(winner) from None


def _host_check(host: Carrier, kind: str) -> None:
    host_medium = Medium.objects.filter(carrier=host).first()
    if host_medium is None or host_medium.kind not in DEVICE_KINDS:
        raise ServiceError(
            "invalid",
            _("Storage is installed only in a registered computer or device."),
            {"field": "medium.host", "host": host.code},
        )
    if kind not in STORAGE_KINDS:
        raise ServiceError(
            "invalid",
            _("Only storage media are installed in a device."),
            {"field": "medium.host", "kind": kind},
        )


def medium_level_check(*, carrier: Carrier, level: str) -> None:
    """Refuse ``level`` for a medium that has held a higher one (the high-water rule)."""
    medium = Medium.objects.select_related("carrier").filter(carrier=carrier).first()
    if medium is not None and RANK[level] < RANK[medium.high_water]:
        raise _level_lowered(medium, level)


def medium_level_raise(*, carrier: Carrier, level: str) -> bool:
    """Raise the medium's high-water mark to ``level``; True when it rose."""
    return bool(
        Medium.objects.filter(
            carrier=carrier, high_water__in=[lv for lv in RANK if 0 < RANK[lv] < RANK[level]]
        ).update(high_water=level)
    )


def is_medium(carrier: Carrier) -> bool:
    """Whether ``carrier`` is a storage medium or a device with storage (it has a record)."""
    return Medium.objects.filter(carrier=carrier).exists()


def is_device(medium: Medium) -> bool:
    return medium.kind in DEVICE_KINDS


def is_storage(medium: Medium) -> bool:
    return medium.kind in STORAGE_KINDS
