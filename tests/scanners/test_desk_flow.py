"""The terminal desk flow: action, carriers, receiver's badge, confirm — then the spool."""

from __future__ import annotations

import json

from labels.codes import Kind
from scanners.flow import DeskFlow, Step
from scanners.reader import Debouncer
from scanners.spool import Spool
from tests.scanners.conftest import code

CLERK, READER = code(Kind.PERSON), code(Kind.PERSON)
DESK = code(Kind.LOCATION)


def flow_with_clock(spool: Spool) -> tuple[DeskFlow, list[float]]:
    now = [0.0]
    flow = DeskFlow(spool=spool, location=DESK, debouncer=Debouncer(2.0, clock=lambda: now[0]))
    return flow, now


def feed(flow: DeskFlow, *lines: str) -> list[str]:
    return [say.text for line in lines for say in flow.feed(line)]


def bodies(spool: Spool) -> list[dict]:
    return [json.loads(p.body) for p in spool.waiting(100)]


def test_a_checkout_of_two_carriers_to_a_reader(spool: Spool) -> None:
    flow, now = flow_with_clock(spool)
    c1, c2 = code(), code()
    feed(flow, f"]C0{CLERK}\r\n", "2")  # badge, then 2 = checkout
    assert flow.step is Step.CARRIERS and flow.action == "checkout"
    feed(flow, c1, c2)
    now[0] += 5
    feed(flow, READER)  # the receiver's badge ends the carriers for a checkout
    assert flow.step is Step.CONFIRM
    out = feed(flow, "")  # Enter confirms
    assert any("2 scan(s) written to the spool" in line for line in out)
    scans = bodies(spool)
    assert [s["carrier"] for s in scans] == [c1, c2]
    assert {(s["action"], s["actor"], s["counterpart"], s["location"]) for s in scans} == {
        ("checkout", CLERK, READER, DESK)
    }
    assert flow.step is Step.ACTION  # ready for the next handover, same clerk


def test_a_store_needs_no_counterpart_and_enter_ends_the_carriers(spool: Spool) -> None:
    flow, _ = flow_with_clock(spool)
    c1 = code()
    feed(flow, CLERK, "store", c1, "")
    assert flow.step is Step.CONFIRM
    feed(flow, "y")
    (scan,) = bodies(spool)
    assert scan["action"] == "store" and "counterpart" not in scan


def test_a_misread_rings_the_bell_and_queues_nothing(spool: Spool) -> None:
    flow, _ = flow_with_clock(spool)
    feed(flow, CLERK, "1")
    said = flow.feed("CXZ-00000001X")
    assert said[0].bell and "\a" in said[0].text and "校验位错误" in said[0].text
    assert flow.carriers == [] and spool.counts()["waiting"] == 0


def test_the_same_carrier_twice_within_the_window_counts_once(spool: Spool) -> None:
    flow, now = flow_with_clock(spool)
    c1 = code()
    feed(flow, CLERK, "inventory", c1)
    now[0] += 0.5
    out = feed(flow, c1)
    assert "ignored" in out[0]
    now[0] += 10
    feed(flow, c1)  # later: still one carrier in this handover
    assert flow.carriers == [c1]


def test_a_badge_where_a_carrier_is_expected_is_refused_for_a_store(spool: Spool) -> None:
    flow, _ = flow_with_clock(spool)
    feed(flow, CLERK, "store")
    said = flow.feed(READER)
    assert said[0].bell and "carrier" in said[0].text


def test_cancel_and_no_drop_the_handover(spool: Spool) -> None:
    flow, _ = flow_with_clock(spool)
    feed(flow, CLERK, "checkout", code(), "取消")
    assert flow.step is Step.ACTION and flow.carriers == []
    feed(flow, "checkout", code(), "", READER, "n")
    assert spool.counts()["waiting"] == 0


def test_scanning_a_location_plate_moves_the_desk(spool: Spool) -> None:
    flow, _ = flow_with_clock(spool)
    safe = code(Kind.LOCATION)
    feed(flow, CLERK, "store", safe, code(), "", "")
    assert bodies(spool)[0]["location"] == safe


def test_chinese_action_names_are_understood(spool: Spool) -> None:
    flow, _ = flow_with_clock(spool)
    feed(flow, CLERK, "归还")
    assert flow.action == "return"


def test_quit(spool: Spool) -> None:
    flow, _ = flow_with_clock(spool)
    feed(flow, CLERK, "q")
    assert flow.step is Step.DONE


def test_a_carrier_scanned_before_the_action_is_refused_and_can_be_rescanned_at_once(
    spool: Spool,
) -> None:
    flow, _ = flow_with_clock(spool)
    c1 = code()
    feed(flow, CLERK)
    (said,) = flow.feed(c1)
    assert said.bell and "Choose an action" in said.text
    feed(flow, "store", c1)  # the same second: not a repeat, since it was not taken
    assert flow.carriers == [c1]


def test_installing_storage_takes_the_device_first_then_the_media(spool: Spool) -> None:
    flow, now = flow_with_clock(spool)
    pc, disk1, disk2 = code(), code(), code()
    out = feed(flow, CLERK, "install_storage")
    assert "computer or device" in out[-1]  # the device is asked for first
    feed(flow, pc)
    assert flow.host == pc
    now[0] += 5
    feed(flow, disk1, pc, disk2, "")  # the device again is not one of the media
    assert flow.step is Step.CONFIRM
    feed(flow, "y")
    scans = bodies(spool)
    assert [(s["action"], s["carrier"], s["host"]) for s in scans] == [
        ("install_storage", disk1, pc),
        ("install_storage", disk2, pc),
    ]
    assert flow.host is None  # the next handover starts afresh
    # Any other action sends no host.
    now[0] += 5
    feed(flow, "store", disk1, "", "y")
    assert len(bodies(spool)) == 3 and "host" not in bodies(spool)[-1]
