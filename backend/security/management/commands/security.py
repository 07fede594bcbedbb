"""``custos security deactivate --person P…`` (every token and session ends at once),
``custos security unlock --badge P…`` (lift a sign-in lock-out) and
``custos security reset-2fa --person P…`` (a lost phone: enrol again at the next sign-in)."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backend.errors import ServiceError
from backend.registry.selectors import person_by_code
from backend.security.models import SignInLock
from backend.security.services import person_deactivate, totp_reset


class Command(BaseCommand):
    help = "Deactivate a person, lift a sign-in lock-out, or reset a second factor."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        off = sub.add_parser("deactivate", help="Deactivate a person: tokens and sessions end.")
        off.add_argument("--person", required=True, help="badge code P…")
        off.add_argument("--departs-on", type=date.fromisoformat, default=None)
        unlock = sub.add_parser("unlock", help="Lift the sign-in lock-out of a badge code.")
        unlock.add_argument("--badge", required=True)
        reset = sub.add_parser("reset-2fa", help="Forget a person's authenticator.")
        reset.add_argument("--person", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["verb"] == "deactivate":
                person = person_by_code(options["person"])
                ended = person_deactivate(person=person, departs_on=options["departs_on"])
                self.stdout.write(
                    f"{person.code} deactivated: {ended['tokens']} token(s) revoked, "
                    f"{ended['sessions']} session(s) ended."
                )
            elif options["verb"] == "unlock":
                gone = SignInLock.objects.filter(username=options["badge"].strip().upper()).delete()
                self.stdout.write("unlocked" if gone[0] else "was not locked")
            else:
                person = person_by_code(options["person"])
                if person.user_id is None or not totp_reset(user_id=person.user_id):
                    raise CommandError(f"{person.code} has no authenticator enrolled.")
                self.stdout.write(f"{person.code}: authenticator forgotten; enrol at next sign-in.")
        except ServiceError as exc:
            raise CommandError(exc.message) from None
