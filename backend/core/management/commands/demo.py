"""``custos demo``: a small unit to try Custos with. Idempotent: a second run changes nothing.

The demo people and places use fixed codes (``P-ADMIN1U``, ``L-SAFE-AF`` …, each with its
real check character) so the README can name them; real registrations get random codes.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from backend.classification.intake import carrier_register
from backend.core.demo_features import features_seed
from backend.custody.services import ScanIn, scans_ingest
from backend.desk.services import person_set_password
from backend.registry.marking import Period
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal
from backend.registry.services import location_create, person_create, token_create
from backend.registry.texts import unit_name
from labels.codes import check_character

PEOPLE = [
    ("P-ADMIN1", "系统管理员 Admin", "none", ["admin"]),
    ("P-REG1", "王登记 Wang (registrar)", "secret", ["registrar"]),
    ("P-CLERK1", "李收发 Li (clerk)", "secret", ["clerk"]),
    ("P-CLERK2", "赵机要 Zhao (clerk)", "top_secret", ["clerk"]),
    ("P-APPR1", "陈定密 Chen (approver)", "top_secret", ["approver"]),
    ("P-APPR2", "周审核 Zhou (approver)", "top_secret", ["approver"]),
    ("P-WIT1", "孙监销 Sun (witness)", "secret", ["witness"]),
    ("P-WIT2", "吴监销 Wu (witness)", "secret", ["witness"]),
    ("P-READ1", "郑承办 Zheng (handler)", "confidential", []),
    ("P-COMM1", "钱主任 Qian (committee)", "top_secret", ["committee"]),
]
PLACES = [
    ("L-DESK-1", "机要室收发台 Handover desk", "desk"),
    ("L-SAFE-A", "保密柜A Safe A", "safe"),
    ("L-SAFE-B", "保密柜B Safe B", "safe"),
    ("L-REPAIR", "定点维修点 Repair unit", "repair"),
    ("L-DESTROY", "销毁点 Destruction site", "destruction"),
]
CARRIERS = [
    ("2026年度保密工作要点", "paper", "secret", Period(years=10)),
    ("涉密会议纪要（第3期）", "paper", "confidential", Period(months=6)),
    ("专项工作方案", "paper", "top_secret", Period(until=None, years=None)),
    ("涉密U盘 USB stick 01", "electronic", "secret", Period(years=20)),
    ("涉密光盘 Disc 2026-04", "optical", "confidential", Period(years=5)),
    ("涉密笔记本电脑 Laptop 7", "device", "secret", Period(condition="项目结束后解密")),
    ("机要文件汇编", "paper", "secret", Period()),
    ("值班记录", "paper", "confidential", Period(days=90)),
    ("移动硬盘 Disk 12", "magnetic", "secret", Period(years=10)),
    ("情况通报", "paper", "confidential", Period(years=1)),
    ("会议录音 Recording", "electronic", "confidential", Period(months=18)),
    ("工作简报", "paper", "secret", Period(years=3)),
]


def full(code: str) -> str:
    return code + check_character(code)


class Command(BaseCommand):
    help = "Seed a small demo unit (people with badges, locations, a dozen carriers)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            present = Person.objects.filter(code=full("P-ADMIN1")).exists()
            if not present:
                self._seed()
            # This round's features, each seeded once: a demo unit from before gains them.
            seeded = features_seed(
                people={code: Person.objects.get(code=full(code)) for code, *_ in PEOPLE},
                places={code: Location.objects.get(code=full(code)) for code, *_ in PLACES},
            )
        if present and not seeded:
            self.stdout.write("demo data present; nothing to do 演示数据已存在")
        elif seeded:
            self.stdout.write("demo features seeded 已添加演示: " + ", ".join(seeded))
        self._print_tokens()

    def _seed(self) -> None:
        authority = {"P-APPR1": "top_secret", "P-APPR2": "secret"}  # 定密权限
        people = {
            code: person_create(
                name=name,
                clearance=clr,
                roles=roles,
                code=full(code),
                authority=authority.get(code, ""),
            )
            for code, name, clr, roles in PEOPLE
        }
        places = {
            code: location_create(name=name, kind=kind, code=full(code))
            for code, name, kind in PLACES
        }
        registrar = Principal(person=people["P-REG1"])
        clerk = Principal(person=people["P-CLERK1"])
        carriers: list[Carrier] = []
        for n, (title, form, level, period) in enumerate(CARRIERS, start=1):
            carriers.append(
                carrier_register(
                    principal=registrar,
                    title=title,
                    form=form,
                    level=level,
                    period=period,
                    basis="《国家秘密定密管理暂行规定》及本单位定密事项一览表",
                    custodian=people["P-CLERK2" if level == "top_secret" else "P-CLERK1"],
                    location=places["L-SAFE-A" if n % 2 else "L-SAFE-B"],
                    copy_no=1 if n % 3 else 2,
                    copies_total=3,
                    # Classified before Custos came: registered at once, not as drafts.
                    draft=False,
                )
            )
        now = timezone.now()
        safe_a = full("L-SAFE-A")
        scans = [
            ScanIn(id=uuid.uuid4(), action="store", carrier=c.code, location=c.location.code)
            for c in carriers
            if c.level != "top_secret"
        ]
        scans += [
            ScanIn(
                id=uuid.uuid4(),
                action="checkout",
                carrier=carriers[0].code,
                counterpart=full("P-CLERK2"),
                location=full("L-DESK-1"),
                due_at=now + timedelta(hours=4),
            ),
            ScanIn(
                id=uuid.uuid4(),
                action="checkout",
                carrier=carriers[1].code,
                counterpart=full("P-READ1"),
                location=full("L-DESK-1"),
                occurred_at=now - timedelta(days=2),
                due_at=now - timedelta(days=1),
            ),
            ScanIn(id=uuid.uuid4(), action="dispatch", carrier=carriers[3].code, location=safe_a),
            ScanIn(id=uuid.uuid4(), action="repair_out", carrier=carriers[5].code),
        ]
        scans_ingest(scans=scans, principal=clerk)

    def _print_tokens(self) -> None:
        path = Path(settings.VAR_DIR) / "demo-tokens.txt"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            lines = []
            for code in ("P-ADMIN1", "P-REG1", "P-CLERK1", "P-APPR1", "P-APPR2", "P-COMM1"):
                person = Person.objects.get(code=full(code))
                lines.append(f"{person.code}\t{person.name}\t{token_create(person=person)}")
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            path.chmod(0o600)
        # `make run` names the demo unit (CUSTOS_UNIT_NAME) for labels, certificates and
        # registers; say which name they will print.
        self.stdout.write(f"unit name on paper 纸面单位名称: {unit_name()}")
        self.stdout.write(f"demo API tokens (keep private) 演示令牌: {path}")
        self.stdout.write(path.read_text(encoding="utf-8"))
        self._print_passwords()

    def _print_passwords(self) -> None:
        """Web sign-in (backend/desk): username = badge code, password ``demo-<name>``.

        Set only for people who have no sign-in yet, so a changed password is kept.
        """
        self.stdout.write("demo web sign-in 演示登录 (http://127.0.0.1:8000/):")
        for code, name, _clr, _roles in PEOPLE:
            person = Person.objects.get(code=full(code))
            password = "demo-" + code.split("-", 1)[1].lower()
            if person.user_id is None:
                person_set_password(person=person, password=password, check=False)
            self.stdout.write(f"{person.code}\t{password}\t{name}")
