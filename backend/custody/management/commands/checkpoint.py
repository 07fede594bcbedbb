"""``custos checkpoint [--out FILE]``: sign a checkpoint of everything recorded up to now.

Writes the signed statement as JSON to FILE, or to stdout; the file also holds the carrier
heads the root commits to, so whoever keeps it can name exactly which carriers changed.
The one-line text form goes to stderr, to be copied by hand.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.custody.statements import Statement, checkpoint_heads, checkpoint_sign, document
from backend.errors import ServiceError


class Command(BaseCommand):
    help = "Sign a checkpoint of the whole ledger and write its statement (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="write statement and heads to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            row = checkpoint_sign()
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        statement = Statement.of(row)
        out: Path | None = options["out"]
        if out is None:
            for chunk in document(statement):
                self.stdout.write(chunk, ending="")
        else:
            tmp = out.with_name(out.name + ".tmp")
            with tmp.open("w", encoding="utf-8") as f:
                for chunk in document(statement, checkpoint_heads(statement.id)):
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            tmp.replace(out)
        sys.stderr.write(statement.text() + "\n")
