"""The demo's part for meetings, carry-outs, media and the self-inspection (``custos demo``).

Each part is seeded once, through the apps' own services, and recognised on a later run by
a fixed title or serial, so a demo unit seeded before these features existed gains them
and a second run changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from backend.carryouts.models import CarryOut
from backend.carryouts.services import carry_out_decide, carry_out_request
from backend.classification.intake import carrier_register
from backend.inspection.checklist import self_inspection_start
from backend.inspection.findings import finding_record
from backend.inspection.models import Finding, SelfInspection
from backend.meetings.models import Meeting
from backend.meetings.services import meeting_create, meeting_issue, meeting_sign_in
from backend.registry.marking import Period
from backend.registry.media import Medium
from backend.registry.media_services import MediumSpec
from backend.registry.models import Carrier, Location, Person
from backend.registry.principals import Principal
from backend.registry.services import location_create
from labels.codes import check_character

BASIS = "《国家秘密定密管理暂行规定》及本单位定密事项一览表"
ROOM = "L-MEET-1"
MEETING = "年度保密工作会议 Annual secrecy meeting"
MEETING_PAPER = "会议材料：年度保密工作报告 Meeting paper"
# (code without its check character): the people on the meeting's list; the first two
# sign in and receive their copy at the door.
ATTENDEES = ("P-CLERK2", "P-APPR1", "P-APPR2", "P-COMM1")
APPROVED_PURPOSE = "赴上级机关汇报 Report to the superior office"
PENDING_PURPOSE = "外出参加专题会议 Topic meeting elsewhere"
APPROVED_TO = "市保密局 City secrecy bureau"
PENDING_TO = "省档案馆 Provincial archives"
COMPUTER_SERIAL = "DEMO-PC-0003"
DISKS = (("DEMO-HDD-0031", "Seagate", "ST1000DM010", "1 TB"),
         ("DEMO-SSD-0032", "Samsung", "870 EVO", "500 GB"))  # fmt: skip
FINDING = "保密柜B密码未按期更换 Safe B combination not changed on time"


def features_seed(*, people: dict[str, Person], places: dict[str, Location]) -> list[str]:
    """Seed each missing part; return the names of the parts seeded (none on a rerun).

    ``people`` and ``places`` are the demo's, by their code without the check character.
    """
    parts: list[tuple[str, bool, Callable[[], None]]] = [
        ("meeting", Meeting.objects.filter(title=MEETING).exists(), lambda: _meeting(people)),
        (
            "carry-outs",
            CarryOut.objects.filter(purpose=APPROVED_PURPOSE).exists(),
            lambda: _carry_outs(people),
        ),
        (
            "media",
            Medium.objects.filter(serial=COMPUTER_SERIAL).exists(),
            lambda: _media(people, places),
        ),
        (
            "inspection",
            Finding.objects.filter(title=FINDING).exists()
            and SelfInspection.objects.filter(year=timezone.localdate().year).exists(),
            lambda: _inspection(people),
        ),
    ]
    seeded = []
    for name, present, seed in parts:
        if not present:
            seed()
            seeded.append(name)
    return seeded


def _meeting(people: dict[str, Person]) -> None:
    """An open 秘密 meeting in the meeting room, its paper in 4 numbered copies, two issued."""
    clerk = Principal(person=people["P-CLERK1"])
    room = _room()
    copies = [
        carrier_register(
            principal=Principal(person=people["P-REG1"]),
            title=MEETING_PAPER,
            form="paper",
            level="confidential",
            period=Period(months=6),
            basis=BASIS,
            custodian=people["P-CLERK1"],
            location=room,
            copy_no=n,
            copies_total=len(ATTENDEES),
            draft=False,
        )
        for n in range(1, len(ATTENDEES) + 1)
    ]
    now = timezone.now()
    meeting = meeting_create(
        principal=clerk,
        title=MEETING,
        level="confidential",
        location=room,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=3),
        attendees=[people[code] for code in ATTENDEES],
    )
    for code in ATTENDEES[:2]:  # 签到 at the door, then their copies
        meeting_sign_in(principal=clerk, meeting_id=meeting.id, person=people[code])
    results = meeting_issue(
        principal=clerk,
        meeting_id=meeting.id,
        issued=[
            (copy.code, uuid.uuid4(), people[code].code)
            for copy, code in zip(copies[:2], ATTENDEES[:2], strict=True)
        ],
    )
    if any(r.status == "rejected" for r in results):
        raise RuntimeError(f"demo meeting copy refused: {results}")


def _room() -> Location:
    """The meeting room, a place of its own (added here, so an older demo unit gains it)."""
    code = ROOM + check_character(ROOM)
    room = Location.objects.filter(code=code).first()
    return room or location_create(name="第一会议室 Meeting room 1", kind="office", code=code)


def _carriers(*titles: str) -> list[str]:
    """The demo's own carriers by title (the first registered, should the unit have added
    another of the same title since)."""
    return [Carrier.objects.filter(title=title).earliest("id").code for title in titles]


def _carry_outs(people: dict[str, Person]) -> None:
    """One request approved by 陈定密 (the 情况通报 to the superior office, from today for
    three days) and one still waiting for an approver."""
    today = timezone.localdate()
    approved = carry_out_request(
        principal=Principal(person=people["P-READ1"]),
        carriers=_carriers("情况通报"),
        purpose=APPROVED_PURPOSE,
        destination=APPROVED_TO,
        leaves_on=today,
        returns_on=today + timedelta(days=3),
        people=[people["P-READ1"].code],
    )
    carry_out_decide(
        principal=Principal(person=people["P-APPR1"]),
        carry_out_id=approved.id,
        decision="approve",
        opinion="同意，当日带回 Approved",
    )
    carry_out_request(
        principal=Principal(person=people["P-CLERK1"]),
        carriers=_carriers("工作简报"),
        purpose=PENDING_PURPOSE,
        destination=PENDING_TO,
        leaves_on=today + timedelta(days=1),
        returns_on=today + timedelta(days=2),
        people=[people["P-CLERK1"].code, people["P-CLERK2"].code],
    )


def _media(people: dict[str, Person], places: dict[str, Location]) -> None:
    """A 机密 desktop computer registered with its two disks (docs/media.md), in Safe A."""

    def register(title: str, form: str, medium: MediumSpec) -> Carrier:
        return carrier_register(
            principal=Principal(person=people["P-REG1"]),
            title=title,
            form=form,
            level="secret",
            period=Period(years=10),
            basis=BASIS,
            custodian=people["P-CLERK1"],
            location=places["L-SAFE-A"],
            draft=False,
            medium=medium,
        )

    computer = register(
        "涉密台式计算机 Desktop 3",
        "device",
        MediumSpec(kind="computer", serial=COMPUTER_SERIAL, maker="Lenovo", model="M930t"),
    )
    for n, (serial, maker, model, capacity) in enumerate(DISKS, start=1):
        register(
            f"涉密硬盘 Desktop 3 disk {n}",
            "magnetic",
            MediumSpec(
                kind="internal_disk",
                serial=serial,
                maker=maker,
                model=model,
                capacity=capacity,
                host=computer,
            ),
        )


def _inspection(people: dict[str, Person]) -> None:
    """This year's self-inspection started, and one open finding due in 30 days."""
    committee = Principal(person=people["P-COMM1"])
    self_inspection_start(principal=committee, year=timezone.localdate().year)
    if not Finding.objects.filter(title=FINDING).exists():
        finding_record(
            principal=committee,
            title=FINDING,
            responsible=people["P-CLERK1"],
            deadline=timezone.now() + timedelta(days=30),
        )
