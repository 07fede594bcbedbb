"""``custos backup FILE``: a consistent, encrypted copy of the live database."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from backend.backups.services import BackupError, backup_create
from backend.backups.words import carrier_notice


class Command(BaseCommand):
    help = "Write an encrypted backup of the live database to FILE (the server keeps running)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = backup_create(path=options["file"].resolve())
        except BackupError as exc:
            self.stderr.write(f"backup failed ({exc.code}): {exc.message}")
            sys.exit(2)
        self.stdout.write(
            f"backup written 备份已写入: {done.path} ({done.size} bytes, {done.database}, "
            f"{done.carriers} carriers, {done.events} events, {done.checkpoints} checkpoints, "
            f"public keys: {', '.join(done.public_keys) or '-'}, key id {done.key_id})"
        )
        self.stdout.write(carrier_notice(done.level))
