"""``custos restore FILE [--replace]``: restore a backup into this database and verify it.

Exit 0: restored, ledger intact; 1: restored, ledger broken (each break named); 2: the file
was refused (damaged, truncated, foreign key, wrong database kind) and nothing was
written; 3: the database holds data and --replace was not given.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from backend.backups.services import BackupError, backup_restore
from backend.backups.words import carrier_notice


class Command(BaseCommand):
    help = "Restore an encrypted backup into this (empty) database and verify its ledger."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--replace", action="store_true", help="replace a database that holds data"
        )
        parser.add_argument(
            "--json", action="store_true", help="end with the result as one JSON line"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = backup_restore(path=options["file"].resolve(), replace=options["replace"])
        except BackupError as exc:
            self.stderr.write(f"restore refused ({exc.code}): {exc.message}")
            sys.exit(3 if exc.code == "not_empty" else 2)
        m = done.manifest
        self.stdout.write(
            f"restored 已恢复: backup of {m.get('created_at')} ({m.get('database')}, "
            f"unit {m.get('unit')}, {m.get('carriers')} carriers, {m.get('events')} events, "
            f"{m.get('checkpoints')} checkpoints)"
        )
        self.stdout.write(carrier_notice(str(m.get("level"))))
        report = done.report
        for b in report.broken:
            self.stdout.write(f"BROKEN {b.carrier} seq {b.seq}: {b.reason}")
        verdict = "intact 完整" if report.ok else "BROKEN 已被篡改"
        self.stdout.write(f"ledger {verdict}: {report.carriers} carriers, {report.events} events")
        if options["json"]:
            self.stdout.write(json.dumps(done.as_dict(), ensure_ascii=False))
        if not report.ok:
            sys.exit(1)
