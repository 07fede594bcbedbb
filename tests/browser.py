"""The one Chromium for every browser test (tests/desk, tests/security).

Session-scoped and defined once here, at the top of the tests: Playwright's sync API
refuses a second instance in the same process, so two conftests each starting their own
would break whichever runs second. No browser is ever downloaded: /usr/bin/chromium from
the Debian package, installed with apt-get when missing and running as root; otherwise
the tests skip with the reason — or fail, under ``CUSTOS_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.debian import apt_install

CHROMIUM = Path("/usr/bin/chromium")
REQUIRE = os.environ.get("CUSTOS_REQUIRE_SERVICES") == "1"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are plain synchronous code, so Django's async guard is a false alarm.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _has_cjk_font() -> bool:
    found = (
        subprocess.run(
            ["fc-list", ":lang=zh"],
            capture_output=True,
            text=True,
            check=False,
        )
        if shutil.which("fc-list")
        else None
    )
    return bool(found and found.stdout.strip())


def ensure_chromium() -> str | None:
    """The reason Chromium cannot be had, or None once /usr/bin/chromium exists.

    Also installs a small Chinese font (fonts-wqy-microhei) when the machine has none:
    without it the screenshots show empty boxes for every Chinese character.
    """
    packages = [] if CHROMIUM.exists() else ["chromium"]
    if not _has_cjk_font():
        packages.append("fonts-wqy-microhei")
    if not packages:
        return None
    reason = apt_install(packages)
    if CHROMIUM.exists():
        return None  # a missing font only spoils the screenshots
    return reason or "apt-get install -y chromium failed"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = ensure_chromium()
    if reason is not None:
        if REQUIRE:
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if REQUIRE:
            pytest.fail("the playwright package is missing (pip install -e .[test])")
        pytest.skip("the playwright package is missing")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()
