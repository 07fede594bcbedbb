"""A scripted year of a small unit, dated with time-machine, for the evidence and report
tests; and the independent plain-SQL counts the report's numbers must equal."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import time_machine
from django.db import connection

from backend.alerts.models import Alert
from backend.classification.loss import LossFacts, loss_report_file
from backend.classification.models import Case
from backend.custody.services import ScanIn, scans_ingest
from backend.inventory.models import Stocktake
from backend.registry.models import Carrier
from backend.registry.principals import Principal

YEAR = 2026
START, END = f"{YEAR}-01-01 00:00+08", f"{YEAR + 1}-01-01 00:00+08"  # the unit's zone


def ingest(person: Any, action: str, carrier: Carrier, **kw: Any) -> None:
    codes = {k: (v.code if hasattr(v, "code") else v) for k, v in kw.items()}
    [out] = scans_ingest(
        scans=[ScanIn(id=uuid.uuid4(), action=action, carrier=carrier.code, **codes)],
        principal=Principal(person=person),
    )
    assert out.status == "recorded", (action, out)


def at(moment: str) -> Any:
    return time_machine.travel(moment, tick=False)


def script_year(unit: Any, make_carrier: Any) -> dict[str, Any]:
    """Carriers of every level and three forms; checkouts, returns, a dispatch and its
    receipt, a witnessed destruction, a loss and its report, a copy, a declassification,
    two stocktakes, overdue cases; and a few things just outside the year."""
    made: dict[str, Any] = {}
    with at("2025-12-31 23:30 +08:00"):  # the year before, by the unit's clock
        made["old"] = make_carrier("secret")
    with at("2026-01-01 00:30 +08:00"):  # 2025-12-31 in UTC, but the unit's 2026
        made["new_year"] = make_carrier("confidential", form="optical")
    carriers = []
    for month, (level, form) in enumerate(
        [
            ("top_secret", "paper"),
            ("secret", "paper"),
            ("secret", "electronic"),
            ("confidential", "paper"),
            ("confidential", "optical"),
            ("secret", "paper"),
            ("secret", "electronic"),
            ("confidential", "paper"),
        ],
        start=2,
    ):
        with at(f"2026-{month:02d}-05 10:00 +08:00"):
            carriers.append(make_carrier(level, form=form))
    made["carriers"] = carriers
    c = carriers
    for month, carrier in [(3, c[1]), (4, c[2]), (4, c[3]), (6, c[5]), (9, c[1])]:
        with at(f"2026-{month:02d}-10 09:00 +08:00"):
            ingest(unit.clerk, "checkout", carrier, counterpart=unit.reader, location=unit.desk)
        with at(f"2026-{month:02d}-12 16:00 +08:00"):
            ingest(unit.clerk, "return", carrier, location=unit.safe)
    with at("2026-10-10 09:00 +08:00"):  # still out at the year's end
        ingest(unit.clerk, "checkout", c[7], counterpart=unit.reader, location=unit.desk)
    with at("2026-05-06 09:00 +08:00"):
        ingest(unit.clerk, "dispatch", c[4], location=unit.desk)
    with at("2026-05-08 11:00 +08:00"):
        ingest(unit.clerk2, "receive", c[4], location=unit.safe2)
    with at("2026-07-01 09:00 +08:00"):  # a witnessed destruction
        ingest(unit.clerk, "destroy_request", c[6])
        ingest(unit.approver, "destroy_approve", c[6])
        for w in unit.witnesses[:2]:
            ingest(w, "destroy_witness", c[6], counterpart=w)
        ingest(unit.clerk, "destroy", c[6], location=unit.site)
    with at("2026-08-03 08:00 +08:00"):  # a loss, reported within the 24 hours
        ingest(unit.clerk, "report_lost", c[3])
    with at("2026-08-03 20:00 +08:00"):
        loss_report_file(
            principal=Principal(person=unit.committee),
            code=c[3].code,
            facts=LossFacts(
                quantity=1,
                discovered_how="清查发现",
                responsible="某某",
                occurred_at=datetime.fromisoformat("2026-08-02 18:00+08:00"),
                place="办公室",
                circumstances="情况",
                possible_harm="危害",
                remedies="措施",
            ),
        )
    with at("2026-09-20 10:00 +08:00"):  # a copy of the first secret carrier
        made["copy"] = make_carrier("secret", parent=c[1], copy_no=2, copies_total=2)
    decided = datetime.fromisoformat("2026-11-02 10:00+08:00")
    Case.objects.create(  # a declassification round, decided in the year
        carrier=c[5],
        kind="declassify",
        state="approved",
        level="secret",
        proposed_by=unit.registrar,
        proposed_at=decided - timedelta(days=3),
        reviewed_by=unit.approver2,
        reviewed_at=decided - timedelta(days=1),
        decided_by=unit.approver,
        decided_at=decided,
    )
    Carrier.objects.filter(pk=c[5].pk).update(declassified_on=decided.date())
    for day, missing in [("2026-06-30", []), ("2026-12-01", [c[3].code])]:
        closed = datetime.fromisoformat(f"{day} 17:00+08:00")
        Stocktake.objects.create(
            location=unit.safe,
            opened_by=unit.clerk,
            opened_at=closed - timedelta(hours=2),
            closed_by=unit.clerk,
            closed_at=closed,
            missing=missing,
        )
    Stocktake.objects.create(  # last year's, outside the year
        location=unit.safe,
        opened_by=unit.clerk,
        opened_at=datetime.fromisoformat("2025-12-01 10:00+08:00"),
        closed_at=datetime.fromisoformat("2025-12-01 12:00+08:00"),
    )
    for carrier, opened, resolved in [
        (c[1], "2026-03-25 09:00+08:00", "2026-04-02 09:00+08:00"),
        (c[2], "2026-05-20 09:00+08:00", None),
        (c[7], "2026-11-10 09:00+08:00", None),
        (made["old"], "2025-11-10 09:00+08:00", "2026-02-10 09:00+08:00"),
    ]:
        Alert.objects.create(
            kind="overdue_return",
            carrier=carrier,
            opened_at=datetime.fromisoformat(opened),
            status="resolved" if resolved else "open",
            resolved_at=datetime.fromisoformat(resolved) if resolved else None,
        )
    return made


def sql(query: str, *params: Any) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return list(cursor.fetchall())


def sql_statistics(by: str) -> dict[tuple[str, str], int]:
    """(level or form, statistic) -> count, counted straight from the tables."""
    counts: dict[tuple[str, str], int] = {}
    names = {
        "register": "registered",
        "checkout": "checked_out",
        "return": "returned",
        "dispatch": "dispatched",
        "receive": "received",
        "destroy": "destroyed",
        "report_lost": "lost",
    }
    rows = sql(
        f"""SELECT c.{by}, e.action, count(*), count(*) FILTER (WHERE c.parent_id IS NOT NULL)
            FROM custody_event e JOIN registry_carrier c ON c.id = e.carrier_id
            WHERE e.occurred_at >= %s AND e.occurred_at < %s GROUP BY 1, 2""",
        START,
        END,
    )
    for group, action, n, copies in rows:
        if action in names:
            counts[(group, names[action])] = n
        if action == "register":
            counts[(group, "copied")] = copies
    for group, n in sql(
        f"""SELECT c.{by}, count(*) FROM classification_case k
            JOIN registry_carrier c ON c.id = k.carrier_id
            WHERE k.kind = 'declassify' AND k.state IN ('approved', 'amended')
            AND k.decided_at >= %s AND k.decided_at < %s GROUP BY 1""",
        START,
        END,
    ):
        counts[(group, "declassified")] = n
    return counts
