"""``custos user set-password --person P… [--password PW]``: let a person sign in to the pages."""

from __future__ import annotations

import getpass
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from backend.desk.services import person_set_password
from backend.errors import ServiceError
from backend.registry.selectors import person_by_code


class Command(BaseCommand):
    help = "Web sign-in for people: `user set-password --person P…` (username = badge code)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        sp = sub.add_parser("set-password", help="Create or update the person's sign-in.")
        sp.add_argument("--person", required=True, help="badge code P…")
        sp.add_argument("--password", help="the password (asked for when omitted)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            person = person_by_code(options["person"])
            password = options["password"] or getpass.getpass("Password 密码: ")
            person_set_password(person=person, password=password)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{person.name}: sign in as {person.code} 以工号 {person.code} 登录")
