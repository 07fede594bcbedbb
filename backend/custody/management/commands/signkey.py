"""``custos signkey create|show|rotate``: the checkpoint signing key in the key folder."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from backend.custody import signing
from backend.keys import key_dir


class Command(BaseCommand):
    help = "Create, show the public half of, or rotate the checkpoint signing key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create", "show", "rotate"])
        parser.add_argument("--key", help="with show: the id of an older public key")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                kid, made = signing.signing_key_create()
                note = _("created") if made else _("already exists")
                self.stdout.write(f"{kid} {note} ({key_dir()})")
            elif action == "rotate":
                kid, old = signing.signing_key_rotate()
                self.stdout.write(
                    _("new key %(new)s; old public key %(old)s kept")
                    % {"new": kid, "old": old or "-"}
                )
            else:
                self.stdout.write(signing.public_key_pem(options["key"]), ending="")
        except signing.KeyMissing as exc:
            raise CommandError(str(exc)) from exc
