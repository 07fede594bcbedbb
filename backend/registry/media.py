"""Storage media and devices: what kind of thing a carrier is, its maker, serial and capacity.

A ``Medium`` is the one-to-one complement of a carrier that is a U盘, a disk, a disc, a
memory card, or a device with storage (a computer, a printer or copier, a phone). Storage
media are bought, numbered and filed centrally (保密管理: 涉密存储介质统一购置、统一编号、
统一登记): the serial or device unique ID is unique within the unit, so one drive is never
registered twice, and ``high_water`` is the highest level the medium has ever held — a
medium is never used again at a lower level.

The model is in the registry (the bottom layer) because every app above reads it; it is
imported by ``registry/models.py`` so Django finds it.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from backend.registry.levels import Level


class MediumKind(models.TextChoices):
    USB = "usb", "U盘"
    REMOVABLE_DISK = "removable_disk", "移动硬盘"
    INTERNAL_DISK = "internal_disk", "硬盘"
    DISC = "disc", "光盘"
    MEMORY_CARD = "memory_card", "存储卡"
    COMPUTER = "computer", "计算机"
    PRINTER = "printer", "打印机/复印机"
    PHONE = "phone", "手机"


# Kinds that are devices holding storage of their own (a computer's disks are carriers).
DEVICE_KINDS = frozenset({MediumKind.COMPUTER, MediumKind.PRINTER, MediumKind.PHONE})
# Kinds that are storage and may sit inside a device.
STORAGE_KINDS = frozenset(MediumKind) - DEVICE_KINDS


def serial_key(serial: str) -> str:
    """The serial as compared for uniqueness: labels and scanners differ in case and
    spacing (``WD-123 ABC`` and ``wd123abc`` are one drive)."""
    return "".join(ch for ch in serial.upper() if ch.isalnum())


class Medium(models.Model):
    carrier = models.OneToOneField(
        "registry.Carrier", on_delete=models.PROTECT, related_name="medium"
    )
    kind = models.CharField(max_length=16, choices=MediumKind.choices)
    maker = models.CharField(max_length=100, blank=True, default="")
    model = models.CharField(max_length=100, blank=True, default="")
    # The serial number or the device unique ID (a U盘's USB serial / VID:PID:serial).
    serial = models.CharField(max_length=100)
    serial_key = models.CharField(max_length=100)
    capacity = models.CharField(max_length=40, blank=True, default="")
    unit = models.CharField(max_length=16)
    # The highest level the medium has ever held: it only rises (high-water rule).
    high_water = models.CharField(max_length=16, choices=Level.choices)
    # The device this storage is installed in; null once removed by a recorded scan.
    host = models.ForeignKey(
        "registry.Carrier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="installed_media",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "registry"
        constraints = [
            models.UniqueConstraint(fields=["unit", "serial_key"], name="medium_serial_unique"),
            models.CheckConstraint(
                condition=Q(kind__in=MediumKind.values), name="medium_kind_known"
            ),
            models.CheckConstraint(condition=~Q(serial_key=""), name="medium_serial_given"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.serial}"
