"""A medium's level rises in a 定密 change: its label is reprinted at the new level and the
label at the old level is voided (backend/printing/receivers.py, the high-water rule)."""

from __future__ import annotations

from typing import Any

from backend.custody.verify import ledger_verify
from backend.printing.models import PrintedLabel
from backend.registry.media_services import MediumSpec
from tests.conftest import scan
from tests.printing.test_printing import expected_zpl
from worker.tasks import labels_reprint_raised


def test_raising_a_mediums_level_reprints_its_label_at_the_new_level(
    unit: Any,
    make_carrier: Any,
    api_as: Any,
    printers: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    drive = make_carrier("secret", form="electronic", medium=MediumSpec(kind="usb", serial="U-1"))
    printed = api_as(unit.registrar).post(
        f"/carriers/{drive.code}/label/print", {"printer": "zebra"}
    )
    assert printed.status_code == 201, printed.content
    assert printers.wait_for(1) == [expected_zpl(drive, drive.code)]  # 机密★…

    unit.approver2.authority = "top_secret"
    unit.approver2.save(update_fields=["authority"])
    proposal = api_as(unit.registrar).post(
        f"/carriers/{drive.code}/proposals",
        {
            "kind": "change",
            "reason": "存储了绝密信息",
            "level": "top_secret",
            "period": {"years": 30},
        },
    )
    assert proposal.status_code == 201, proposal.content
    opinion = {"opinion": "同意"}
    api_as(unit.approver).post(
        f"/carriers/{drive.code}/decision", {"decision": "review", **opinion}
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        approved = api_as(unit.approver2).post(
            f"/carriers/{drive.code}/decision", {"decision": "approve", **opinion}
        )
    assert approved.status_code == 200, approved.content
    assert approved.json()["marking"] == "绝密★30年"
    assert len(queued) == 1  # the reprint, queued for after the decision's commit

    new_code = labels_reprint_raised(drive.pk)  # what the worker runs for that message
    assert new_code is not None and new_code != drive.code
    drive.refresh_from_db()
    assert drive.marking == "绝密★30年"
    assert printers.wait_for(2)[1] == expected_zpl(drive, new_code)  # the new level's label
    labels = {label.code: label for label in PrintedLabel.objects.filter(carrier=drive)}
    assert labels[drive.code].voided_at is not None and labels[new_code].voided_at is None
    # The label at the old level is refused at a desk from now on.
    [old] = (
        api_as(unit.clerk)
        .post("/scans", {"scans": [scan("store", drive.code, location=unit.safe)]})
        .json()["results"]
    )
    assert old["error"]["code"] == "voided_label"
    events = api_as(unit.committee).get(f"/carriers/{drive.code}/events").json()
    assert events[-1]["action"] == "label_printed" and events[-1]["payload"]["reprint"] is True
    assert ledger_verify().ok


def test_a_medium_whose_label_was_never_printed_queues_no_reprint(
    unit: Any, make_carrier: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    drive = make_carrier("secret", form="electronic", medium=MediumSpec(kind="usb", serial="U-2"))
    unit.approver2.authority = "top_secret"
    unit.approver2.save(update_fields=["authority"])
    api_as(unit.registrar).post(
        f"/carriers/{drive.code}/proposals",
        {"kind": "change", "reason": "提高密级", "level": "top_secret"},
    )
    opinion = {"opinion": "同意"}
    api_as(unit.approver).post(
        f"/carriers/{drive.code}/decision", {"decision": "review", **opinion}
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        approved = api_as(unit.approver2).post(
            f"/carriers/{drive.code}/decision", {"decision": "approve", **opinion}
        )
    assert approved.status_code == 200, approved.content
    assert queued == []
    assert labels_reprint_raised(drive.pk) is None


def test_a_medium_installed_in_a_higher_device_is_reprinted_at_the_devices_level(
    unit: Any,
    make_carrier: Any,
    api_as: Any,
    printers: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """install_storage raises a confidential drive put into a secret computer: it has now
    held secret information (the high-water rule), so its label is reprinted."""
    drive = make_carrier(
        "confidential", form="electronic", medium=MediumSpec(kind="usb", serial="U-3")
    )
    pc = make_carrier("secret", form="device", medium=MediumSpec(kind="computer", serial="PC-3"))
    printed = api_as(unit.registrar).post(
        f"/carriers/{drive.code}/label/print", {"printer": "zebra"}
    )
    assert printed.status_code == 201, printed.content
    printers.wait_for(1)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = api_as(unit.clerk).post(
            "/scans", {"scans": [scan("install_storage", drive, host=pc, location=unit.desk)]}
        )
    [result] = answer.json()["results"]
    assert result["status"] == "recorded", result
    assert result["event"]["payload"]["level"] == "secret"
    assert len(queued) == 1  # the reprint, after the scan's commit
    new_code = labels_reprint_raised(drive.pk)
    drive.refresh_from_db()
    assert new_code is not None and drive.marking.startswith("机密")
    assert printers.wait_for(2)[1] == expected_zpl(drive, new_code)
    assert ledger_verify().ok
