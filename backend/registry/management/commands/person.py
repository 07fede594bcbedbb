"""``custos person add --name NAME --clearance LEVEL --roles ROLE[,ROLE…]``."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backend.errors import ServiceError
from backend.registry.services import person_create


class Command(BaseCommand):
    help = "Manage people. `person add` prints the new badge code as its last line."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add", help="Add a person and print their badge code.")
        add.add_argument("--name", required=True)
        add.add_argument(
            "--clearance", required=True, choices=["top_secret", "secret", "confidential", "none"]
        )
        add.add_argument(
            "--roles",
            default="",
            help="comma-separated: admin,registrar,clerk,approver,witness,committee",
        )
        add.add_argument("--departs-on", type=date.fromisoformat, default=None)
        add.add_argument(
            "--authority",
            default="",
            choices=["", "top_secret", "secret", "confidential"],
            help="an approver's 定密权限: the highest level they may decide",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        roles = [r.strip() for r in options["roles"].split(",") if r.strip()]
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
