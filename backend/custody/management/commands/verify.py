"""``custos verify``: recompute every chain; exit 1 and name each break if broken."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from backend.custody.verify import ledger_verify


class Command(BaseCommand):
    help = "Verify the custody ledger's hash chains (exit 1 if broken)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger_verify()
        for b in report.broken:
            self.stdout.write(f"BROKEN {b.carrier} seq {b.seq}: {b.reason}")
        verdict = "intact 完整" if report.ok else "BROKEN 已被篡改"
        self.stdout.write(f"ledger {verdict}: {report.carriers} carriers, {report.events} events")
        if not report.ok:
            sys.exit(1)
