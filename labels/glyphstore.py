"""Glyph data read from the font once and kept on disk, so most processes never parse it.

Parsing Noto Sans CJK with fontTools costs ~95 MB and ~0.7 s in every process that
draws text (the cmap 27 MB; the variable CFF2 outlines and their instancing 58 MB):
most of a PDF register's peak memory and of a label printer's start-up. What the
writers need from it is small: which code points the face covers, its vertical
metrics, and per character and weight an advance width and an outline. The first
process to need one of those reads it from the font and writes it here; later
processes read it from here and open the font only for a character none has drawn yet.

This is a cache, never a requirement: the file is named for the font file it was
read from (size and modification time), the face and this format's version; processes
share it (SQLite in WAL mode) and may write to it at once; deleting it loses nothing.
An unwritable directory, ``CUSTOS_GLYPH_CACHE=off``, or any database error means the
process reads the font as it always could.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import zlib
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

#: Bumped whenever what is stored, or how, changes: old files are then simply not read.
FORMAT = 1

T = TypeVar("T")
Point = tuple[float, float]
Outline = tuple[tuple[str, tuple[Point, ...]], ...]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS glyph (
    codepoint INTEGER NOT NULL,
    weight INTEGER NOT NULL,
    advance REAL NOT NULL,
    outline BLOB NOT NULL,
    PRIMARY KEY (codepoint, weight)
) WITHOUT ROWID;
"""


def directory() -> Path | None:
    """Where the cache lives: ``CUSTOS_GLYPH_CACHE`` (a directory, or ``off``), else the
    user's cache directory."""
    chosen = os.environ.get("CUSTOS_GLYPH_CACHE", "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no HOME and no passwd entry: a bare service account
            return None
    return Path(base) / "custos"


def file_for(font_file: Path, face: int, folder: Path) -> Path:
    stat = font_file.stat()
    identity = f"{font_file.name}:{stat.st_size}:{stat.st_mtime_ns}:{face}:{FORMAT}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    return folder / f"glyphs-{digest}.sqlite3"


# Connections a forked child inherited from its parent: held, never used or closed.
_inherited: list[sqlite3.Connection] = []


class GlyphStore:
    """One cache file. Every method answers ``None`` (or does nothing) once the file has
    failed, so callers need no error handling of their own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._broken = False

    # --- reads ---------------------------------------------------------------------

    def coverage(self) -> frozenset[int] | None:
        def decode(row: tuple[Any, ...]) -> frozenset[int]:
            codepoints = array("I")
            codepoints.frombytes(zlib.decompress(row[0]))
            return frozenset(codepoints)

        return self._read("SELECT value FROM meta WHERE key = 'coverage'", (), decode)

    def metrics(self) -> tuple[float, float, float] | None:
        def decode(row: tuple[Any, ...]) -> tuple[float, float, float]:
            ascender, descender, cap_height = json.loads(row[0])
            return float(ascender), float(descender), float(cap_height)

        return self._read("SELECT value FROM meta WHERE key = 'metrics'", (), decode)

    def glyph(self, codepoint: int, weight: int) -> tuple[float, Outline] | None:
        def decode(row: tuple[Any, ...]) -> tuple[float, Outline]:
            ops = json.loads(zlib.decompress(row[1]))
            outline = tuple((str(op), tuple((x, y) for x, y in points)) for op, points in ops)
            return float(row[0]), outline

        return self._read(
            "SELECT advance, outline FROM glyph WHERE codepoint = ? AND weight = ?",
            (codepoint, weight),
            decode,
        )

    # --- writes (first writer wins; a cache entry never changes) ------------------------

    def put_coverage(self, codepoints: Iterable[int]) -> None:
        blob = zlib.compress(array("I", sorted(codepoints)).tobytes())
        self._put("INSERT OR IGNORE INTO meta VALUES ('coverage', ?)", (blob,))

    def put_metrics(self, ascender: float, descender: float, cap_height: float) -> None:
        blob = json.dumps([ascender, descender, cap_height]).encode()
        self._put("INSERT OR IGNORE INTO meta VALUES ('metrics', ?)", (blob,))

    def put_glyph(self, codepoint: int, weight: int, advance: float, outline: Outline) -> None:
        # repr-exact floats through JSON: what is read back draws exactly what was read.
        blob = zlib.compress(json.dumps(outline, separators=(",", ":")).encode())
        self._put(
            "INSERT OR IGNORE INTO glyph VALUES (?, ?, ?, ?)", (codepoint, weight, advance, blob)
        )

    # --- the connection ----------------------------------------------------------------

    def _read(
        self, sql: str, params: tuple[object, ...], decode: Callable[[tuple[Any, ...]], T]
    ) -> T | None:
        with self._lock:
            db = self._connection()
            if db is None:
                return None
            try:
                row = db.execute(sql, params).fetchone()
                return decode(tuple(row)) if row is not None else None
            except (sqlite3.Error, zlib.error, ValueError, TypeError) as exc:
                # A damaged entry: trust nothing else in the file either.
                self._fail(exc)
                return None

    def _put(self, sql: str, params: tuple[object, ...]) -> None:
        with self._lock:
            db = self._connection()
            if db is None:
                return
            try:
                with db:
                    db.execute(sql, params)
            except sqlite3.OperationalError as exc:
                # Another process holding the write lock past the timeout: this entry is
                # left for a later process to write; reading still works.
                log.info("glyph cache write skipped: %s", exc)
            except sqlite3.Error as exc:
                self._fail(exc)

    def _connection(self) -> sqlite3.Connection | None:
        if self._broken:
            return None
        # A connection must not cross a fork (gunicorn and Celery workers fork): the child
        # opens its own and never uses, or closes, the parent's (closing it here could
        # act on the file under the parent's feet), so it is kept referenced.
        if self._db is not None:
            if self._pid == os.getpid():
                return self._db
            _inherited.append(self._db)
            self._db = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=2.0, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            self._fail(exc)
            return None
        try:
            db.execute("PRAGMA journal_mode=WAL")
            # WAL with NORMAL never corrupts on a crash; at worst the last entries are
            # lost, and they are read from the font again.
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            db.close()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                # Another process is creating the file or switching it to WAL, and SQLite
                # refuses rather than wait: read the font this once, try the file next time.
                return None
            self._fail(exc)
            return None
        self._db, self._pid = db, os.getpid()
        return db

    def _fail(self, exc: Exception) -> None:
        log.warning("glyph cache %s unusable, reading the font instead: %s", self.path, exc)
        self._broken = True


def open_store(font_file: Path, face: int) -> GlyphStore | None:
    """The cache for this font face, or ``None`` where caching is off."""
    folder = directory()
    if folder is None:
        return None
    try:
        return GlyphStore(file_for(font_file, face, folder))
    except OSError as exc:
        log.warning("glyph cache unusable, reading the font instead: %s", exc)
        return None
