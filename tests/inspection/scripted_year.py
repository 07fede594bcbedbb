"""A scripted year of the demo unit (2025), dated scan by scan under time-machine: 300
carriers, 4 stocktakes, 6 overdue cases, 2 destructions, 1 loss with its report, and the
定密 procedure — for the self-inspection and the annual report to be measured against."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from backend.alerts.sweep import sweep_run
from backend.classification.intake import carrier_register
from backend.classification.loss import LossFacts, loss_report_file
from backend.classification.services import Changes, classification_decide, classification_propose
from backend.custody.services import ScanIn, scans_ingest
from backend.inventory.services import stocktake_close, stocktake_open
from backend.registry.marking import Period
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal
from backend.registry.services import location_create, person_create

YEAR = 2025
ZONE = ZoneInfo("Asia/Shanghai")
CARRIERS = 300


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(YEAR, month, day, hour, 0, tzinfo=ZONE)


@dataclass
class Unit:
    registrar: Person
    clerk: Person
    reviewer: Person
    chief: Person
    witnesses: list[Person]
    reader: Person
    committee: Person
    safe: Location
    cabinet: Location
    desk: Location
    site: Location
    carriers: list[Carrier]


def _people() -> dict[str, Any]:
    def person(name: str, roles: list[str], authority: str = "") -> Person:
        p = person_create(name=name, clearance="top_secret", roles=roles)
        if authority:
            p.authority = authority
            p.save(update_fields=["authority"])
        return p

    return {
        "registrar": person("登记员 registrar", ["registrar"]),
        "clerk": person("机要员 clerk", ["clerk"]),
        "reviewer": person("审核人 reviewer", ["approver"], "secret"),
        "chief": person("定密责任人 chief", ["approver"], "top_secret"),
        "witnesses": [person(f"监销人 witness{i}", ["witness"]) for i in range(2)],
        "reader": person("阅读人 reader", []),
        "committee": person("保密办 committee", ["committee"]),
    }


def scan(unit: Unit, who: Person, action: str, carrier: Carrier, **kw: Any) -> None:
    batch(unit, who, [(action, carrier, kw)])


def batch(unit: Unit, who: Person, scans: list[tuple[str, Carrier, dict[str, Any]]]) -> None:
    results = scans_ingest(
        scans=[
            ScanIn(
                id=uuid.uuid4(),
                action=action,
                carrier=carrier.code,
                **{k: (v.code if hasattr(v, "code") else v) for k, v in kw.items()},
            )
            for action, carrier, kw in scans
        ],
        principal=Principal(person=who),
    )
    bad = [r.error.message for r in results if r.status != "recorded" and r.error]
    assert not bad, bad


def script_year() -> Unit:
    """Build the year; about ten seconds on PostgreSQL."""
    with time_machine.travel(at(1, 2), tick=False):
        people = _people()
        places = {
            name: location_create(name=name, kind=kind)
            for name, kind in (
                ("safe", "safe"),
                ("cabinet", "safe"),
                ("desk", "desk"),
                ("site", "destruction"),
            )
        }
    unit = Unit(**people, **places, carriers=[])
    registrar = Principal(person=unit.registrar)

    # 300 carriers, 25 a month; the first 20 kept in the cabinet that is stocktaken.
    for month in range(1, 13):
        with time_machine.travel(at(month, 5), tick=False):
            for n in range(CARRIERS // 12):
                draft = month == 3 and n < 2  # two go through the 定密 procedure
                unit.carriers.append(
                    carrier_register(
                        principal=registrar,
                        title=f"{YEAR}年{month}月文件{n}",
                        form="paper" if n % 3 else "optical",
                        level=("secret", "confidential", "top_secret")[n % 3],
                        period=Period(years=10),
                        basis="依据",
                        custodian=unit.clerk,
                        location=unit.cabinet if len(unit.carriers) < 20 else unit.safe,
                        draft=draft,
                    )
                )
    # 定密: the two drafts reviewed and approved by two different authorities.
    with time_machine.travel(at(3, 10), tick=False):
        for carrier in unit.carriers[50:52]:
            for who, decision in ((unit.reviewer, "review"), (unit.chief, "approve")):
                classification_decide(
                    principal=Principal(person=who),
                    code=carrier.code,
                    decision=decision,
                    opinion="同意",
                )
    # 年度定密审核: one secret declassified in December after review.
    with time_machine.travel(at(12, 1), tick=False):
        target = unit.carriers[60]
        classification_propose(
            principal=registrar,
            code=target.code,
            kind="declassify",
            changes=Changes(),
            reason="年度审核：已公开",
        )
        for who, decision in ((unit.reviewer, "review"), (unit.chief, "approve")):
            classification_decide(
                principal=Principal(person=who),
                code=target.code,
                decision=decision,
                opinion="同意解密",
            )

    # 6 overdue cases: checked out for 3 days, swept a week later; five come back.
    late = unit.carriers[20:26]  # registered in January
    for n, (carrier, month) in enumerate(zip(late, (2, 4, 5, 7, 8, 10), strict=True)):
        with time_machine.travel(at(month, 12), tick=False):
            scan(
                unit,
                unit.clerk,
                "checkout",
                carrier,
                counterpart=unit.reader,
                location=unit.desk,
                due_at=at(month, 15),
            )
        with time_machine.travel(at(month, 19), tick=False):
            sweep_run()
        if n < 5:
            with time_machine.travel(at(month, 22), tick=False):
                scan(unit, unit.clerk, "return", carrier, location=unit.safe)

    # 4 stocktakes of the cabinet, one a quarter; in June one carrier is not there — it
    # is reported lost and the written report filed the same day.
    cabinet = unit.carriers[:20]
    missing = cabinet[7]
    clerk = Principal(person=unit.clerk)
    for month in (3, 6, 9, 12):
        with time_machine.travel(at(month, 25), tick=False):
            take = stocktake_open(principal=clerk, location=unit.cabinet)
            seen = [c for c in cabinet if month == 3 or c is not missing]
            batch(
                unit,
                unit.clerk,
                [("inventory", c, {"location": unit.cabinet, "inventory": take.id}) for c in seen],
            )
            stocktake_close(principal=clerk, stocktake_id=take.id)
        if month == 6:
            with time_machine.travel(at(6, 25, 15), tick=False):
                scan(unit, unit.clerk, "report_lost", missing, location=unit.desk)
            with time_machine.travel(at(6, 25, 18), tick=False):
                loss_report_file(
                    principal=Principal(person=unit.committee),
                    code=missing.code,
                    facts=LossFacts(
                        quantity=1,
                        discovered_how="季度清查时发现缺失",
                        responsible="机要员",
                        occurred_at=at(6, 25, 15),
                        place="保密柜",
                        circumstances="清查时柜内无此文件。",
                        possible_harm="可能造成工作被动。",
                        remedies="封存、调取记录、全面清查。",
                    ),
                )

    # 2 destructions in November, each witnessed by two people.
    for carrier in unit.carriers[200:202]:
        with time_machine.travel(at(11, 20), tick=False):
            scan(unit, unit.clerk, "destroy_request", carrier)
            scan(unit, unit.chief, "destroy_approve", carrier)
            for w in unit.witnesses:
                scan(unit, w, "destroy_witness", carrier, counterpart=w, location=unit.site)
            scan(unit, unit.clerk, "destroy", carrier, location=unit.site)
    return unit
