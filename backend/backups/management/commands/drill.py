"""``custos drill``: restore the latest backup into a scratch database and report.

Exit 0 when the drill held, 1 when it did not (a ``backup_failed`` case is then open)."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from backend.backups.schedule import backup_drill


class Command(BaseCommand):
    help = "Restore the latest backup in CUSTOS_BACKUP_DIR into a scratch database and verify."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--file", type=Path, help="drill this backup instead of the latest")

    def handle(self, *args: Any, **options: Any) -> None:
        report = backup_drill(file=options["file"])
        restored = report.restored
        self.stdout.write(f"drill 恢复演练: {report.file or '-'}")
        if restored:
            manifest = restored.get("manifest", {})
            self.stdout.write(
                f"backup 备份: {manifest.get('carriers')} carriers, {manifest.get('events')} "
                f"events at {manifest.get('created_at')}"
            )
            verdict = "intact 完整" if restored.get("ok") else "BROKEN 已被篡改"
            self.stdout.write(
                f"restored 已恢复: {restored.get('carriers')} carriers, "
                f"{restored.get('events')} events, ledger {verdict}"
            )
            for b in restored.get("broken", []):
                self.stdout.write(f"BROKEN {b['carrier']} seq {b['seq']}: {b['reason']}")
        self.stdout.write(
            f"live 在用: {report.live.get('carriers')} carriers, {report.live.get('events')} events"
        )
        for problem in report.problems:
            self.stdout.write(f"PROBLEM 问题: {problem}")
        self.stdout.write("drill held 演练通过" if report.ok else "drill FAILED 演练失败")
        if not report.ok:
            sys.exit(1)
