"""``custos verify [--against FILE…]``: recompute every chain; exit 1 and name each break.

With ``--against``, check that the ledger extends each signed statement instead: exit 0
when it does, 1 naming every carrier whose recorded history was removed or changed, 2
when a statement is not authentic (CONTRACT.md).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from backend.custody.against import ledger_verify_against
from backend.custody.verify import ledger_verify


class Command(BaseCommand):
    help = "Verify the custody ledger's hash chains (exit 1 if broken)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--against",
            nargs="+",
            metavar="FILE",
            help="signed statements (JSON or the one-line form) the ledger must extend",
        )
        parser.add_argument(
            "--heads-only",
            action="store_true",
            help="with --against: check the covered heads but do not recompute every chain "
            "(plain `custos verify` does that)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["against"]:
            self._against(options["against"], chains=not options["heads_only"])
            return
        report = ledger_verify()
        for b in report.broken:
            self.stdout.write(f"BROKEN {b.carrier} seq {b.seq}: {b.reason}")
        verdict = "intact 完整" if report.ok else "BROKEN 已被篡改"
        self.stdout.write(f"ledger {verdict}: {report.carriers} carriers, {report.events} events")
        if not report.ok:
            sys.exit(1)

    def _against(self, files: list[str], *, chains: bool) -> None:
        def documents() -> Iterator[tuple[str, bytes]]:
            # One file in memory at a time: a full statement file holds a million heads.
            for name in files:
                read: list[bytes] = []
                try:
                    read.append(Path(name).read_bytes())
                except OSError as exc:
                    read.append(b"")
                    self.stderr.write(f"{name}: {exc.strerror}")
                # Handed over, not kept: a local would hold the bytes while this waits.
                yield name, read.pop()

        report = ledger_verify_against(documents(), chains=chains)
        for source, why in report.not_authentic:
            # The line's first words are for scripts and stay as they are in every language.
            self.stdout.write(f"NOT AUTHENTIC {source}: {why}")
        for finding in report.changed:
            self.stdout.write(f"CHANGED {finding.carrier}: {finding.reason}")
        for problem in report.problems:
            self.stdout.write(f"CHANGED {problem}")
        if report.exit_code == 0:
            self.stdout.write(
                _("the ledger extends every statement (%(n)s)") % {"n": report.statements}
            )
        sys.exit(report.exit_code)
