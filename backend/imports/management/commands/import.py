"""``custos import FILE [--dry-run] [--location L] [--mapping NAME] [--labels PDF] [--as BADGE]``.

Exit 0: every row good (written in one transaction, or only checked with --dry-run);
1: some row is bad (each named by number, in Chinese and English) and nothing was written;
2: the file cannot be read as a register (or the command cannot start).
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from backend.errors import ServiceError
from backend.imports.label_sheet import import_labels_write
from backend.imports.services import Unreadable, carriers_import
from backend.imports.words import actor_for, report_lines
from backend.registry.principals import Principal


class Command(BaseCommand):
    help = "Import carriers from an XLSX or CSV register (涉密载体登记簿)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")
        parser.add_argument(
            "--location",
            help="where rows that name no place are kept (a location code or exact name)",
        )
        parser.add_argument("--mapping", help="a saved column mapping for a foreign layout")
        parser.add_argument(
            "--labels",
            type=Path,
            help="write the labels of the rows that got a new code to this PDF (A4 sheet)",
        )
        parser.add_argument(
            "--as",
            dest="actor",
            help="the registrar's badge code (default: the only active registrar)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = actor_for(options["actor"])
            report = carriers_import(
                principal=Principal(person=actor),
                path=options["file"],
                dry_run=options["dry_run"],
                location=options["location"],
                mapping=options["mapping"],
            )
        except Unreadable as exc:
            self.stderr.write(f"无法读取文件 / cannot read {options['file']}: {exc}")
            sys.exit(2)
        except ServiceError as exc:
            self.stderr.write(f"{exc.code}: {exc.message}")
            sys.exit(2)
        for line in report_lines(report, dry_run=options["dry_run"]):
            self.stdout.write(line)
        if options["labels"] and report.written and report.codes_issued:
            try:
                files = import_labels_write(
                    principal=Principal(person=actor),
                    codes=report.codes_issued,
                    path=options["labels"],
                )
            except (ServiceError, OSError) as exc:
                # The carriers are registered; only the sheet is missing (labels page).
                self.stderr.write(f"labels: {getattr(exc, 'message', exc)}")
            else:
                for path in files:
                    self.stdout.write(f"labels 标签: {path}")
        if not report.ok:
            sys.exit(1)
