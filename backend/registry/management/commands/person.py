"""``custos person add --name NAME --clearance LEVEL --roles ROLE[,ROLE…]``;
``custos person roles --person P… --roles ROLE[,ROLE…] --by P…`` and
``custos person clear --person P… --clearance LEVEL --by P…``: the security administrator
(``--by``, their badge) sets someone else's roles or clearance (三员分立,
backend/registry/duties.py)."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backend.errors import ServiceError
from backend.registry.duties import person_clearance_set, person_roles_set
from backend.registry.principals import Principal
from backend.registry.selectors import person_by_code
from backend.registry.services import person_create

CLEARANCES = ["top_secret", "secret", "confidential", "none"]


class Command(BaseCommand):
    help = "Manage people. `person add` prints the new badge code as its last line."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add", help="Add a person and print their badge code.")
        add.add_argument("--name", required=True)
        add.add_argument("--clearance", required=True, choices=CLEARANCES)
        add.add_argument(
            "--roles",
            default="",
            help="comma-separated: admin,registrar,clerk,approver,witness,committee,"
            "security_admin,auditor",
        )
        add.add_argument("--departs-on", type=date.fromisoformat, default=None)
        add.add_argument(
            "--authority",
            default="",
            choices=["", "top_secret", "secret", "confidential"],
            help="an approver's 定密权限: the highest level they may decide",
        )

        roles = sub.add_parser("roles", help="Set a person's roles (security administrator).")
        roles.add_argument("--person", required=True, help="whose roles: their badge code")
        roles.add_argument("--roles", required=True, help="comma-separated; '' for none")
        roles.add_argument("--by", required=True, help="the security administrator's badge")
        clear = sub.add_parser("clear", help="Set a person's clearance (security administrator).")
        clear.add_argument("--person", required=True, help="whose clearance: their badge code")
        clear.add_argument("--clearance", required=True, choices=CLEARANCES)
        clear.add_argument("--by", required=True, help="the security administrator's badge")

    def handle(self, *args: Any, **options: Any) -> None:
        roles = (
            [r.strip() for r in options["roles"].split(",") if r.strip()]
            if "roles" in options
            else []
        )
        if options["verb"] in ("roles", "clear"):
            self._duties(options, roles)
            return
        try:
            person = person_create(
                name=options["name"],
                clearance=options["clearance"],
                roles=roles,
                departs_on=options["departs_on"],
                authority=options["authority"],
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{person.name} · {person.clearance} · {','.join(person.roles) or '-'}")
        self.stdout.write(person.code)

    def _duties(self, options: dict[str, Any], roles: list[str]) -> None:
        try:
            principal = Principal(person=person_by_code(options["by"], "by"))
            person = person_by_code(options["person"])
            if options["verb"] == "roles":
                person = person_roles_set(principal=principal, person=person, roles=roles)
            else:
                person = person_clearance_set(
                    principal=principal, person=person, clearance=options["clearance"]
                )
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{person.name} · {person.clearance} · {','.join(person.roles) or '-'}")
