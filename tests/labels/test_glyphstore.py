"""labels/glyphstore.py: the font's glyph data cached on disk draws exactly what the font
draws, lets a process skip parsing the font, and is never needed to draw at all."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from labels import glyphstore

ROOT = Path(__file__).resolve().parents[2]

# Renders labels with text in both weights (a rare character in a name, one the font
# lacks) and reports what it drew and whether fontTools opened the font to do it.
DRAW = """
import hashlib, json, re
import labels
from labels import fonts, LabelSpec
specs = [
    LabelSpec(code="CXZ-00000001M", marking="机密★10年", copy_no=2, copies_total=5, unit="机要室"),
    LabelSpec(code="P-ADMIN1U", kind="badge", person="张䶮\U000f0001", unit="保密局"),
]
drawn = hashlib.sha256()
for spec in specs:
    for fmt in ("svg", "png"):
        drawn.update(labels.render(spec, fmt, dpi=203))
print(json.dumps({
    "drawn": drawn.hexdigest(),
    "font_opened": fonts._font.cache_info().currsize > 0,
    "printable": fonts.printable("王\U000f0001明"),
    "metrics": [fonts.metrics().ascender, fonts.metrics().descender, fonts.metrics().cap_height],
    # VmHWM, not ru_maxrss: the latter keeps the forking parent's (pytest's) peak.
    "peak_mb": int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())[1]) // 1024,
}))
"""


def draw(cache: str | Path) -> dict[str, object]:
    env = {**os.environ, "CUSTOS_GLYPH_CACHE": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", DRAW],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def uncached() -> dict[str, object]:
    return draw("off")


def test_a_process_with_a_warm_cache_draws_the_same_without_opening_the_font(
    tmp_path: Path, uncached: dict[str, object]
) -> None:
    assert uncached["font_opened"] is True
    cold = draw(tmp_path)
    warm = draw(tmp_path)
    assert cold["font_opened"] is True
    assert warm["font_opened"] is False
    for result in (cold, warm):
        assert result["drawn"] == uncached["drawn"]
        assert result["printable"] == uncached["printable"] == "王?明"
        assert result["metrics"] == uncached["metrics"]
    # Parsing the font is most of a drawing process's memory: the reason for the cache.
    assert int(warm["peak_mb"]) < int(uncached["peak_mb"]) - 50  # type: ignore[call-overload]


def test_a_character_not_yet_cached_is_read_from_the_font_and_added(
    tmp_path: Path, uncached: dict[str, object]
) -> None:
    draw(tmp_path)
    store = glyphstore.GlyphStore(next(tmp_path.glob("glyphs-*.sqlite3")))
    assert store.glyph(ord("机"), 700) is not None
    assert store.glyph(ord("鑫"), 400) is None  # never drawn here
    env = {**os.environ, "CUSTOS_GLYPH_CACHE": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-c", "from labels import fonts; fonts.segments('鑫', 400)"],
        timeout=60,
        env=env,
        cwd=ROOT,
        check=True,
    )
    assert store.glyph(ord("鑫"), 400) is not None
    assert draw(tmp_path)["drawn"] == uncached["drawn"]


def test_an_unusable_cache_means_reading_the_font(
    tmp_path: Path, uncached: dict[str, object]
) -> None:
    # A file where the directory should be: the cache cannot be created.
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("x")
    assert draw(blocked)["drawn"] == uncached["drawn"]
    # A cache file that is not a database (a disk error, a stray copy).
    folder = tmp_path / "corrupt"
    draw(folder)
    for cached in folder.glob("glyphs-*"):
        cached.write_bytes(b"this is not a SQLite database" * 100)
    broken = draw(folder)
    assert broken["drawn"] == uncached["drawn"]
    assert broken["font_opened"] is True
    # One damaged entry in an otherwise good file.
    folder = tmp_path / "damaged"
    draw(folder)
    (cached,) = folder.glob("glyphs-*.sqlite3")
    with sqlite3.connect(cached) as db:
        db.execute("UPDATE glyph SET outline = ? WHERE codepoint = ?", (b"not zlib", ord("机")))
    damaged = draw(folder)
    assert damaged["drawn"] == uncached["drawn"]
    assert damaged["font_opened"] is True


def test_processes_filling_one_new_cache_at_once_all_draw_correctly(
    tmp_path: Path, uncached: dict[str, object]
) -> None:
    env = {**os.environ, "CUSTOS_GLYPH_CACHE": str(tmp_path)}
    running = [
        subprocess.Popen(
            [sys.executable, "-c", DRAW], env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    results = [json.loads(p.communicate(timeout=120)[0].strip().splitlines()[-1]) for p in running]
    assert all(p.returncode == 0 for p in running)
    assert {r["drawn"] for r in results} == {uncached["drawn"]}
    assert draw(tmp_path)["font_opened"] is False


def test_another_font_file_or_format_gets_a_cache_file_of_its_own(tmp_path: Path) -> None:
    font = tmp_path / "font.otf"
    font.write_bytes(b"a" * 100)
    first = glyphstore.file_for(font, 2, tmp_path)
    assert glyphstore.file_for(font, 2, tmp_path) == first
    assert glyphstore.file_for(font, 1, tmp_path) != first
    font.write_bytes(b"b" * 101)  # an upgraded package's font
    assert glyphstore.file_for(font, 2, tmp_path) != first


def test_the_cache_goes_where_the_environment_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUSTOS_GLYPH_CACHE", "off")
    assert glyphstore.directory() is None
    monkeypatch.setenv("CUSTOS_GLYPH_CACHE", str(tmp_path))
    assert glyphstore.directory() == tmp_path
    monkeypatch.delenv("CUSTOS_GLYPH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert glyphstore.directory() == tmp_path / "xdg" / "custos"


def test_a_forked_child_opens_a_connection_of_its_own(tmp_path: Path) -> None:
    store = glyphstore.GlyphStore(tmp_path / "glyphs.sqlite3")
    store.put_metrics(0.88, -0.12, 0.733)
    parents = store._db
    assert parents is not None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: as a gunicorn or Celery worker after the fork
        try:
            seen = store.metrics() == (0.88, -0.12, 0.733) and store._db is not parents
            store.put_glyph(ord("密"), 400, 1.0, (("moveTo", ((0.5, 0.25),)),))
            os.write(write, b"1" if seen else b"0")
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"
    assert store._db is parents  # the parent's connection, untouched and still working
    assert store.glyph(ord("密"), 400) == (1.0, (("moveTo", ((0.5, 0.25),)),))
