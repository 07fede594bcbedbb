"""Fitting text into a width: shrink, wrap, and shorten with an ellipsis — never overflow.

Widths come from :mod:`labels.fonts` in em units, so a line measured here is exactly the
line every output format draws.
"""

from __future__ import annotations

import re

from labels import fonts

ELLIPSIS = "…"

# A Latin word (with the spaces after it) stays whole when it can; a CJK character is a
# break opportunity on its own, as Chinese typesetting allows.
_TOKENS = re.compile(r"[\x21-\x7e\u00a0-\u024f]+\s*|\s+|.", re.DOTALL)


def width(text: str, size: float, weight: int) -> float:
    return fonts.advance(text, weight) * size


def shorten(text: str, max_width: float, size: float, weight: int) -> str:
    """``text`` if it fits, else its longest prefix that fits with ``…`` after it."""
    if width(text, size, weight) <= max_width:
        return text
    budget = max_width - width(ELLIPSIS, size, weight)
    used = 0.0
    for i, ch in enumerate(text):
        used += fonts.advance(ch, weight) * size
        if used > budget:
            return text[:i].rstrip() + ELLIPSIS if i else ""
    return text  # unreachable: the whole text did not fit


def fit(
    text: str, max_width: float, size: float, weight: int, *, min_size: float
) -> tuple[str, float]:
    """Shrink ``text`` from ``size`` down to ``min_size`` to fit; shorten it if even that
    is too wide. Returns the text to draw and its size."""
    natural = width(text, 1.0, weight)
    if natural * size <= max_width:
        return text, size
    if natural * min_size <= max_width:
        return text, max_width / natural
    return shorten(text, max_width, min_size, weight), min_size


def wrap(text: str, max_width: float, size: float, weight: int, *, max_lines: int) -> list[str]:
    """Break ``text`` into at most ``max_lines`` lines no wider than ``max_width``; the last
    line is shortened with ``…`` if text is left over."""
    lines: list[str] = []
    line = ""
    queue = list(reversed(_TOKENS.findall(text.strip())))
    while queue:
        token = queue.pop()
        if width((line + token).rstrip(), size, weight) <= max_width:
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
            line = ""
            if not token.isspace():
                queue.append(token)
        else:
            # One token wider than a whole line: split it by characters.
            head = shorten(token, max_width, size, weight)[:-1] or token[:1]
            lines.append(head)
            queue.append(token[len(head) :])
        if len(lines) == max_lines:
            rest = "".join(reversed(queue)).strip()
            if rest:
                lines[-1] = shorten(lines[-1] + " " + rest, max_width, size, weight)
            return lines
    if line.strip():
        lines.append(line.rstrip())
    return lines
