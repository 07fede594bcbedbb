"""三员分立 in a real browser: the auditor reads the access log but changes no role; no
administrator gives themself the auditor role. (A clerk's receipt: test_handover.py; the
dashboard's checkpoint fingerprint: test_checkpoint_tile.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.custody.statements import Statement, checkpoint_sign
from backend.security.models import AuditorRead
from tests.desk.conftest import shot


def test_an_auditor_reads_the_access_log_and_checkpoints_but_changes_no_role(
    sign_in: Any,
    unit: Any,
    make_person: Any,
    make_carrier: Any,
    api_as: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"
    auditor = make_person(("auditor",), "none", name="审计员甲")
    carrier = make_carrier("secret")
    api_as(unit.clerk).get(f"/carriers/{carrier.code}")  # a logged read for the auditor to see
    latest = Statement.of(checkpoint_sign())
    page = sign_in(auditor)
    assert page.url.endswith("/audit/")  # the auditor's home
    log = page.inner_text("#access-log")
    assert carrier.code in log and unit.clerk.name in log
    assert latest.fingerprint() in page.inner_text("#checkpoints")
    assert "访问日志" in page.inner_text("#auditor-reads")  # their own read, logged
    assert AuditorRead.objects.filter(person=auditor, what="access_log").count() == 1
    assert page.locator("main form").count() == 0  # nothing to change here
    shot(page, "audit-page.png")
    answer = page.goto("/people/")
    assert answer is not None and answer.status == 403
    assert page.locator("form.duties").count() == 0
    unit.reader.refresh_from_db()
    assert unit.reader.roles == []


def test_no_administrator_gives_themself_the_auditor_role(
    sign_in: Any, page: Any, unit: Any, make_person: Any
) -> None:
    # The system administrator has no people page at all.
    sign_in(unit.admin)  # no page of their own: the sign-in ends on /home/
    assert page.url.endswith("/home/")
    assert page.locator("a[href='/people/']").count() == 0
    answer = page.goto("/people/")
    assert answer is not None and answer.status == 403
    page.context.clear_cookies()
    # The security administrator may set everyone's roles but their own: their row's form
    # is disabled, and a forged submission is refused by the service.
    security = make_person(("security_admin",), "secret", name="安全员甲")
    sign_in(security)
    assert page.url.endswith("/people/")
    own = page.locator(f"#person-{security.code}")
    assert own.locator("input[value=auditor]").is_disabled()
    assert own.locator("button").is_disabled()
    own.evaluate("row => row.querySelector('fieldset').disabled = false")
    own.locator("input[value=auditor]").check()
    own.locator("button").click()
    page.wait_for_selector("#banner")
    assert "任何人不得更改自己的角色" in page.inner_text("#banner")  # pages start in Chinese
    shot(page, "people-page.png")
    security.refresh_from_db()
    assert security.roles == ["security_admin"]
    # Someone else's roles it sets; the page shows the change.
    reader = page.locator(f"#person-{unit.reader.code}")
    reader.locator("input[value=auditor]").check()
    reader.locator("button").click()
    page.wait_for_selector("#banner.ok")
    unit.reader.refresh_from_db()
    assert unit.reader.roles == ["auditor"]
