"""The dashboard shows the latest signed checkpoint's fingerprint, in a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.custody.statements import Statement, checkpoint_sign


def test_the_dashboard_shows_the_latest_checkpoints_fingerprint(
    sign_in: Any, unit: Any, make_carrier: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CUSTOS_KEY_DIR = tmp_path / "keys"
    make_carrier()
    page = sign_in(unit.committee)
    page.goto("/dashboard/")
    assert "—" in page.inner_text("#checkpoint")
    checkpoint_sign()
    latest = Statement.of(checkpoint_sign())
    page.reload()
    tile = page.inner_text("#checkpoint")
    assert latest.fingerprint() in tile and f"#{latest.id}" in tile
