"""The browser fixture comes from tests/desk (Debian's Chromium through Playwright)."""

from tests.desk.conftest import browser  # noqa: F401 - a fixture, used by name
