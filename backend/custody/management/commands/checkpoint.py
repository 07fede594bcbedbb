"""``custos checkpoint [--out FILE]``: sign a checkpoint of everything recorded up to now.

Writes the signed statement as JSON to FILE, or to stdout; the file also holds the carrier
heads the root commits to, so whoever keeps it can name exactly which carriers changed.
The one-line text form goes to stderr, to be copied by hand.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.custody.statements import (
    Head,
    Statement,
    checkpoint_sign,
    document,
    document_lines,
    head_line,
)
from backend.errors import ServiceError


class Command(BaseCommand):
    help = "Sign a checkpoint of the whole ledger and write its statement (JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="write statement and heads to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        out: Path | None = options["out"]
        if out is None:
            statement = self._sign(None)
            for chunk in document(statement):
                self.stdout.write(chunk, ending="")
        else:
            # The heads are spooled as the root is built (one snapshot), then follow the
            # statement, which exists only once they have all been read.
            with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:

                def keep(head: Head) -> None:
                    spool.write(head_line(*head) + "\n")

                statement = self._sign(keep)
                spool.seek(0)
                tmp = out.with_name(out.name + ".tmp")
                with tmp.open("w", encoding="utf-8") as f:
                    lines = (line.rstrip("\n") for line in spool)
                    for chunk in document_lines(statement, lines):
                        f.write(chunk)
                    f.flush()
                    os.fsync(f.fileno())
                tmp.replace(out)
        sys.stderr.write(statement.text() + "\n")

    def _sign(self, keep: Any) -> Statement:
        try:
            return Statement.of(checkpoint_sign(heads_out=keep))
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
