"""``custos token create --person P…`` or ``--device NAME --location L…``."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backend.errors import ServiceError
from backend.registry.models import Device
from backend.registry.selectors import location_by_code, person_by_code
from backend.registry.services import device_create, token_create


class Command(BaseCommand):
    help = "Manage API tokens. `token create` prints the token as its last line."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="Create a token for a person or a scanner device.")
        who = create.add_mutually_exclusive_group(required=True)
        who.add_argument("--person", help="the person's badge code (P…)")
        who.add_argument("--device", help="the scanner device's name (created if new)")
        create.add_argument("--location", help="the device's location code (L…)")
        create.add_argument("--days", type=int, default=None, help="expire after this many days")

    def handle(self, *args: Any, **options: Any) -> None:
        expires = timezone.now() + timedelta(days=options["days"]) if options["days"] else None
        try:
            if options["person"]:
                token = token_create(person=person_by_code(options["person"]), expires_at=expires)
            else:
                device = Device.objects.filter(name=options["device"]).first()
                if device is None:
                    if not options["location"]:
                        raise CommandError("A new device needs --location L….")
                    device = device_create(
                        name=options["device"], location=location_by_code(options["location"])
                    )
                elif (
                    options["location"]
                    and device.location.code != options["location"].strip().upper()
                ):
                    raise CommandError(f"Device {device.name} is at {device.location.code}.")
                token = token_create(device=device, expires_at=expires)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stderr.write("Keep this token secret; it is shown once. 请妥善保管，仅显示一次。")
        self.stdout.write(token)
