"""``custos token create --person P…`` or ``--device NAME --location L…``; ``token list``;
``token revoke PREFIX`` (or ``--person P…`` / ``--device NAME`` for all of theirs).

Tokens expire: a person's after 90 days, a scanner device's after 365, unless ``--days``
says otherwise (``--days 0``: never — for a device in a locked room, and documented).
Only the lookup prefix and a hash are kept, so ``list`` can never show a token again.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from backend.errors import ServiceError
from backend.registry.models import Device, Token
from backend.registry.selectors import location_by_code, person_by_code
from backend.registry.services import device_create, token_create
from backend.security.selectors import token_list
from backend.security.services import token_revoke

PERSON_DAYS = 90
DEVICE_DAYS = 365


class Command(BaseCommand):
    help = "Manage API tokens. `token create` prints the token as its last line."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="Create a token for a person or a scanner device.")
        who = create.add_mutually_exclusive_group(required=True)
        who.add_argument("--person", help="the person's badge code (P…)")
        who.add_argument("--device", help="the scanner device's name (created if new)")
        create.add_argument("--location", help="the device's location code (L…)")
        create.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"expire after this many days (default {PERSON_DAYS} for a person, "
            f"{DEVICE_DAYS} for a device; 0 = never)",
        )
        listing = sub.add_parser("list", help="List tokens: prefix, holder, created, expiry.")
        listing.add_argument("--all", action="store_true", help="include revoked tokens")
        revoke = sub.add_parser("revoke", help="Revoke tokens; effective at the next request.")
        revoke.add_argument("prefix", nargs="?", help="the token's prefix (from `token list`)")
        revoke.add_argument("--person", help="revoke every token of this person (P…)")
        revoke.add_argument("--device", help="revoke every token of this device (name)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            {"create": self._create, "list": self._list, "revoke": self._revoke}[options["verb"]](
                options
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from None

    def _create(self, options: dict[str, Any]) -> None:
        days = options["days"]
        if days is None:
            days = PERSON_DAYS if options["person"] else DEVICE_DAYS
        if days < 0:
            raise CommandError("--days is 0 (never) or more.")
        expires = timezone.now() + timedelta(days=days) if days else None
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
                options["location"] and device.location.code != options["location"].strip().upper()
            ):
                raise CommandError(f"Device {device.name} is at {device.location.code}.")
            token = token_create(device=device, expires_at=expires)
        when = f"expires {expires:%Y-%m-%d %H:%M} UTC" if expires else "never expires"
        self.stderr.write(
            f"Keep this token secret; it is shown once ({when}). 请妥善保管，仅显示一次。"
        )
        self.stdout.write(token)

    def _list(self, options: dict[str, Any]) -> None:
        now = timezone.now()
        self.stdout.write(f"{'prefix':<11} {'holder':<35} {'created':<17} {'expires':<17} state")
        for t in token_list(include_revoked=options["all"]):
            holder = (
                f"person {t.person.code} {t.person.name}" if t.person else f"device {t.device.name}"  # type: ignore[union-attr]  # a token is a person's or a device's (a check constraint)
            )
            state = (
                "revoked"
                if t.revoked_at
                else "expired"
                if t.expires_at and t.expires_at <= now
                else "active"
            )
            expires = f"{t.expires_at:%Y-%m-%d %H:%M}" if t.expires_at else "never"
            self.stdout.write(
                f"{t.prefix:<11} {holder[:35]:<35} {t.created_at:%Y-%m-%d %H:%M}"
                f"  {expires:<17} {state}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        if options["prefix"]:
            token = token_revoke(prefix=options["prefix"])
            self.stdout.write(f"revoked {token.prefix}")
            return
        if options["person"]:
            qs = Token.objects.filter(person=person_by_code(options["person"]))
        elif options["device"]:
            qs = Token.objects.filter(device__name=options["device"])
        else:
            raise CommandError("Name a token prefix, --person P… or --device NAME.")
        prefixes = list(qs.filter(revoked_at__isnull=True).values_list("prefix", flat=True))
        for prefix in prefixes:
            token_revoke(prefix=prefix)
        self.stdout.write(f"revoked {len(prefixes)} token(s)")
