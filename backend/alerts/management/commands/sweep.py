"""``custos sweep``: run every detector once, now, and send what is due in the outbox."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from backend.alerts.ledger import ledger_check_and_alert
from backend.alerts.outbox import deliveries_send
from backend.alerts.sweep import sweep_run


class Command(BaseCommand):
    help = "Run every detector once now (deadlines, reminders, periods, departures) and send."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-send", action="store_true", help="leave deliveries queued")
        parser.add_argument(
            "--verify", action="store_true", help="also verify the ledger (ledger_broken)"
        )
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep_run(daily=True)
        report = result.as_dict()
        if options["verify"]:
            report["ledger"] = ledger_check_and_alert()
        if not options["no_send"]:
            sent = deliveries_send()
            report["sent"], report["send_failed"] = sent.sent, sent.failed
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False))
            return
        self.stdout.write(
            f"sweep 巡检: {report['due']} due 到期, {report['opened']} opened 新告警, "
            f"{report['reminded']} reminded 提醒, {report['escalated']} escalated 升级, "
            f"{report['daily_opened']} period/departure 期限/离岗, "
            f"{len(result.failed)} failed 失败 {' '.join(result.failed)}".rstrip()
        )
        if "sent" in report:
            self.stdout.write(
                f"sent 已发送 {report['sent']}, failed 发送失败 {report['send_failed']}"
            )
