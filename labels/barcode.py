"""Code 128 symbols: python-barcode's module pattern, checked by decoding it back.

python-barcode 0.16.1 silently drops a ``99`` digit pair that follows a Start C: its
``_try_to_optimize`` mistakes the data value 99 for the CODE C switch and folds it into
the start character, so ``9912`` is printed as ``12``. A label whose bars say something
else than its text is worse than no label, so every symbol is decoded back from its own
module pattern here (an independent decoder, written from the Code 128 tables) and
compared with the text before anything draws it. When python-barcode's pattern is wrong
we encode the text ourselves with a plain, conservative code-set choice and check that
too; if even that disagrees the caller gets :class:`BarcodeError`, never a label.
"""

from __future__ import annotations

from dataclasses import dataclass

import barcode
from barcode.charsets import code128 as _tables

#: Patterns for values 0..106 (106 is the 13-module stop incl. its final bar), from
#: python-barcode's own table so the bars are the library's, only the choice is checked.
_PATTERNS: tuple[str, ...] = tuple(_tables.CODES)
_VALUE_OF: dict[str, int] = {pattern: value for value, pattern in enumerate(_PATTERNS)}
_STOP = _tables.STOP + "11"  # the 11-module stop pattern plus its 2-module termination bar

_START_A, _START_B, _START_C = 103, 104, 105
_CODE_A, _CODE_B, _CODE_C = 101, 100, 99  # as seen from B/C, A/C and A/B respectively
_SHIFT = 98

#: What the barcode layer accepts: printable ASCII (Code 128 set B plus digit pairs).
#: Label codes are stricter (labels.codes); this allows a unit's existing serial numbers.
MAX_TEXT_LENGTH = 48


class BarcodeError(ValueError):
    """Text that cannot be (or was not) encoded faithfully as Code 128."""


@dataclass(frozen=True, slots=True)
class Symbol:
    """One verified Code 128 symbol.

    ``modules`` is the bar/space pattern without quiet zones, ``1`` for a dark module;
    ``bars`` the same as (first module, width in modules) runs, ready to draw.
    """

    text: str
    modules: str
    bars: tuple[tuple[int, int], ...]
    encoder: str  # "python-barcode" or "fallback": which one produced the pattern

    @property
    def width(self) -> int:
        return len(self.modules)


def encode(text: str) -> Symbol:
    """Encode ``text`` and prove the pattern decodes back to exactly ``text``."""
    _check_text(text)
    modules = barcode.get("code128", text).build()[0]
    encoder = "python-barcode"
    if _decoded_or_none(modules) != text:
        # Known case: a leading "99" pair (python-barcode 0.16.1); any other mismatch is
        # handled the same way rather than trusted.
        modules = _modules_from_values(_fallback_values(text))
        encoder = "fallback"
        if _decoded_or_none(modules) != text:
            raise BarcodeError(f"Could not encode {text!r} as Code 128 faithfully.")
    return Symbol(text=text, modules=modules, bars=_runs(modules), encoder=encoder)


def decode_modules(modules: str) -> str:
    """Read a module pattern (no quiet zones) back to its text; raise BarcodeError if invalid.

    Written from the Code 128 symbology tables (ISO/IEC 15417), independently of the
    encoder, so that it can catch the encoder's mistakes.
    """
    if len(modules) < 11 * 3 + 13 or (len(modules) - 13) % 11:
        raise BarcodeError("Not a whole number of Code 128 symbol characters.")
    if modules[-13:] != _STOP:
        raise BarcodeError("No stop pattern.")
    values = []
    for i in range(0, len(modules) - 13, 11):
        value = _VALUE_OF.get(modules[i : i + 11])
        if value is None:
            raise BarcodeError(f"Unknown symbol character at module {i}.")
        values.append(value)
    start, data, check = values[0], values[1:-1], values[-1]
    if (start + sum(i * v for i, v in enumerate(data, start=1))) % 103 != check:
        raise BarcodeError("Check character does not match.")
    sets = {_START_A: "A", _START_B: "B", _START_C: "C"}
    if start not in sets:
        raise BarcodeError("No start character.")
    charset = sets[start]
    out: list[str] = []
    shift = False
    for value in data:
        current = ("B" if charset == "A" else "A") if shift else charset
        shift = False
        if current == "C":
            if value < 100:
                out.append(f"{value:02d}")
            elif value == _CODE_B:
                charset = "B"
            elif value == _CODE_A:
                charset = "A"
            else:
                raise BarcodeError("FNC1 is not used in our symbols.")
            continue
        if (value < 96 and current == "B") or (value < 64 and current == "A"):
            out.append(chr(value + 32))
        elif value < 96 and current == "A":
            out.append(chr(value - 64))
        elif value == _SHIFT and charset != "C":
            shift = True
        elif value == _CODE_C:
            charset = "C"
        elif value == _CODE_B and current == "A":
            charset = "B"
        elif value == _CODE_A and current == "B":
            charset = "A"
        else:
            raise BarcodeError(f"Function character {value} is not used in our symbols.")
    return "".join(out)


def _check_text(text: str) -> None:
    if not text:
        raise BarcodeError("Nothing to encode.")
    if len(text) > MAX_TEXT_LENGTH:
        raise BarcodeError(f"At most {MAX_TEXT_LENGTH} characters fit a label's barcode.")
    bad = sorted({ch for ch in text if not " " <= ch <= "~"})
    if bad:
        raise BarcodeError(f"Only printable ASCII can be printed as a barcode, not {bad!r}.")


def _decoded_or_none(modules: str) -> str | None:
    try:
        return decode_modules(modules)
    except BarcodeError:
        return None


def _fallback_values(text: str) -> list[int]:
    """Values for ``text`` with a simple code-set choice: set C for digit runs of 4 or more
    (an odd run gives its first digit to set B), set B for everything else.

    Not always the shortest symbol, but never ambiguous: a data value is only ever a
    digit pair in set C or a character in set B.
    """
    values: list[int] = []
    charset = ""
    i = 0
    while i < len(text):
        run = 0
        while i + run < len(text) and text[i + run].isdigit():
            run += 1
        if run >= 4:
            if run % 2:
                charset = _switch(values, charset, "B")
                values.append(ord(text[i]) - 32)
                i += 1
                run -= 1
            charset = _switch(values, charset, "C")
            for _ in range(run // 2):
                values.append(int(text[i : i + 2]))
                i += 2
        else:
            charset = _switch(values, charset, "B")
            values.append(ord(text[i]) - 32)
            i += 1
    values.append((values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103)
    return values


def _switch(values: list[int], charset: str, to: str) -> str:
    if charset != to:
        if not charset:
            values.append(_START_B if to == "B" else _START_C)
        else:
            values.append(_CODE_B if to == "B" else _CODE_C)
    return to


def _modules_from_values(values: list[int]) -> str:
    return "".join(_PATTERNS[v] for v in values) + _STOP


def _runs(modules: str) -> tuple[tuple[int, int], ...]:
    runs: list[tuple[int, int]] = []
    start = -1
    for i, m in enumerate(modules + "0"):
        if m == "1" and start < 0:
            start = i
        elif m == "0" and start >= 0:
            runs.append((start, i - start))
            start = -1
    return tuple(runs)
