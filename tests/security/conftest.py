"""The browser fixture comes from tests/desk (Debian's Chromium through Playwright)."""
