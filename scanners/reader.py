"""Cleaning raw scanner reads into checked codes, and de-bouncing repeats.

What real scanners put around a code: a configured prefix and suffix, an AIM symbology
identifier (``]C0`` for Code 128, ``]d1``/``]d2`` for DataMatrix, ``]Q1`` …; ISO/IEC
15424: ``]``, a letter, a modifier), GS1 application identifiers and FNC1 separators,
CR/LF, and — on a serial line that was just plugged in or is noisy — NULs, 0xFF bytes and
other garbage. A code is only ``A–Z 0–9 -`` and never holds ``]``, so
everything else can be stripped without guessing. What is left must pass
:func:`labels.codes.parse` (the MOD 37,36 check) before it is queued: a misread is
refused at the desk, never sent.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from labels.codes import Code, CodeError, Kind, parse

# ISO/IEC 15424 symbology identifier: ']' + code letter + one modifier character.
_AIM = re.compile(r"\][A-Za-z][0-9A-Za-z]")
# A code begins with its kind letter and ends with its check character: anything else at
# either end of a read is junk.
_EDGE_JUNK = re.compile(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$")
# GS1: a scanner in GS1 mode, or a symbol printed with FNC1 first (]d2, ]Q3, ]C1), sends an
# element string: application identifier + data, elements separated by GS (FNC1, 0x1D), or
# the human-readable form "(91)CXZ-…". A Custos code may travel in the company-internal AIs
# 91–99, as a GIAI (8004, an individual asset) or as a serial number (21).
_GS = "\x1d"
_CODE_AIS = ("8004", "21", *(str(ai) for ai in range(91, 100)))
_HRI_ELEMENT = re.compile(r"\((\d{2,4})\)([^(]*)")


class ReadError(ValueError):
    """A read that does not yield exactly one valid code."""

    def __init__(self, reason: str, raw: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # invalid | bad_check_character | wrong_kind | empty
        self.raw = raw
        self.message = message


def _as_text(raw: str | bytes) -> str:
    if isinstance(raw, bytes):
        # latin-1 maps every byte to one character, so garbage never raises here; the
        # non-code characters it produces are dropped below like any other junk.
        return raw.decode("latin-1")
    return raw


@dataclass(frozen=True, slots=True)
class Cleaner:
    """Turns one raw read (one line) into a checked :class:`Code`."""

    prefix: str = ""
    suffix: str = ""

    def _unframe(self, raw: str | bytes) -> str:
        text = _as_text(raw)
        # Control characters (CR, LF, STX/ETX, NUL, DEL) and anything outside printable
        # ASCII go first, so a prefix like "\x02" or a suffix after "\r" still matches.
        framing = self.prefix + self.suffix + _GS  # GS separates GS1 elements (below)
        text = "".join(ch for ch in text if " " <= ch <= "~" or ch in framing)
        # Junk may come before the prefix (line noise) and after the suffix, so cut at the
        # prefix's first and the suffix's last occurrence rather than only at the ends.
        if self.prefix and (at := text.find(self.prefix)) >= 0:
            text = text[at + len(self.prefix) :]
        if self.suffix and (at := text.rfind(self.suffix)) >= 0:
            text = text[:at]
        return "".join(ch for ch in text if " " <= ch <= "~" or ch == _GS).strip()

    def clean(self, raw: str | bytes, *, kind: Kind | None = None) -> Code:
        """The code in ``raw``, or :class:`ReadError`.

        1. cut the framing: non-printable bytes, the configured prefix and suffix;
        2. an AIM identifier marks the start of the symbol's data, so keep only what
           follows the last one (an unconfigured prefix before it goes too); a GS1 element
           string (``]d2 91CXZ-…``) gives the code in its element (:func:`gs1_code`);
        3. trim what cannot begin or end a code (punctuation, spaces, hyphens) from both
           ends, then the rest must be one valid code.

        Nothing is ever picked out of the middle of a read: a code split by noise, or two
        codes in one read, is refused rather than guessed at, because a fragment of a
        misread can pass the check character (1 in 36) while a refusal costs one rescan.
        """
        shown = _as_text(raw).encode("unicode_escape").decode("ascii")[:60]
        data = _AIM.split(self._unframe(raw))[-1]
        text = gs1_code(data) or _EDGE_JUNK.sub("", data.replace(_GS, ""))
        if not text:
            raise ReadError("empty", shown, "nothing readable")
        try:
            code = parse(text)
        except CodeError as exc:
            raise ReadError(exc.reason, shown, exc.message) from None
        if kind is not None and code.kind is not kind:
            raise ReadError("wrong_kind", code.text, f"{code.text} is not a {kind.name.lower()}")
        return code


def gs1_code(data: str) -> str | None:
    """The code carried by a GS1 element string (``91CXZ-…``, ``(8004)CXZ-…``, elements
    separated by GS), or None if ``data`` is not one that carries a code.

    A code starts with a letter and a GS1 element string with digits, so the two cannot be
    mistaken for each other. Only the code-carrying AIs count, and only a whole element:
    the first whose data is a valid code, else the first whose data starts like one (so a
    misread is refused for its check character, like any other read).
    """
    data = data.strip()
    if data.startswith("("):
        elements = [(ai, value) for ai, value in _HRI_ELEMENT.findall(data)]
    elif data[:1].isdigit():
        elements = []
        for element in data.split(_GS):
            ai = next((ai for ai in _CODE_AIS if element.startswith(ai)), None)
            if ai is not None:
                elements.append((ai, element[len(ai) :]))
    else:
        return None
    values = [value.strip() for ai, value in elements if ai in _CODE_AIS]
    for value in values:
        try:
            return parse(value).text
        except CodeError:
            continue
    return next((value for value in values if value[:1].isalpha()), None)


class Debouncer:
    """The same code read again within ``window`` seconds counts once.

    Sliding: every repeat restarts the window, so a scanner in continuous mode held over
    one label keeps it counted once for as long as it keeps reading it. ``clock`` is
    injectable so tests need not sleep.
    """

    def __init__(self, window: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._clock = clock
        self._last: dict[str, float] = {}

    def is_repeat(self, code: str) -> bool:
        now = self._clock()
        last = self._last.get(code)
        self._last[code] = now
        if len(self._last) > 1024:  # forget old codes; the window is seconds long
            cutoff = now - self.window
            self._last = {c: t for c, t in self._last.items() if t >= cutoff}
        return last is not None and now - last < self.window

    def forget(self, code: str) -> None:
        """Undo the last read of ``code`` (it was refused, so a rescan is not a repeat)."""
        self._last.pop(code, None)
