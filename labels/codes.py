"""Carrier, badge and location codes: ``K`` + body + an ISO/IEC 7064 MOD 37,36 check character.

CONTRACT.md fixes the format: a one-letter kind (``C`` carrier, ``P`` person, ``L``
location), a body of ``A-Z 0-9 -``, and a check character computed over everything before
it with hyphens left out. The hybrid MOD 37,36 system catches every single-character
substitution and every adjacent transposition, so a misread or mistyped code is refused
before it is looked up.

This module is shared by the server, the label printer and the desk scanner client, so it
imports nothing but the standard library.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# New code bodies leave out the letters a person confuses with digits or each other
# (Crockford's base 32: no I, L, O, U), so a code read off a worn label can be keyed in.
# The check character is still computed over ALPHABET: codes made before stay valid.
BODY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What a person may type for a digit: O for 0, I or L for 1.
LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
MAX_LENGTH = 24
_MODULUS = 36


class Kind(StrEnum):
    CARRIER = "C"
    PERSON = "P"
    LOCATION = "L"


class CodeError(ValueError):
    """A code that cannot be accepted; ``reason`` is the API's stable error code.

    ``template`` and ``params`` give the message apart (``message == template % params``)
    so a caller with a translation catalogue can put it in the reader's language.
    """

    def __init__(self, reason: str, template: str, **params: str) -> None:
        message = template % params
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.template = template
        self.params = params


def check_character(payload: str) -> str:
    """The MOD 37,36 check character for ``payload`` (hyphens ignored).

    ISO/IEC 7064 hybrid system, M = 36:
    1. start with p = M;
    2. for each character: s = (p + value) mod M, with 0 read as M; p = 2·s mod (M + 1);
    3. the check value is the one that brings the final p to 1: (M + 1 - p) mod M.
    """
    p = _MODULUS
    for ch in payload:
        if ch == "-":
            continue
        try:
            value = _VALUE[ch]
        except KeyError:
            raise CodeError(
                "invalid", "Character %(char)s is not allowed in a code.", char=repr(ch)
            ) from None
        s = (p + value) % _MODULUS or _MODULUS
        p = (s * 2) % (_MODULUS + 1)
    return ALPHABET[(_MODULUS + 1 - p) % _MODULUS]


def normalize(raw: str) -> str:
    """Trim and upper-case, as every entry point must before checking (CONTRACT.md)."""
    return raw.strip().upper()


@dataclass(frozen=True, slots=True)
class Code:
    kind: Kind
    text: str

    def __str__(self) -> str:
        return self.text


def parse(raw: str, *, kind: Kind | None = None) -> Code:
    """Normalise and validate a code; raise :class:`CodeError` with the reason if it is bad.

    The check character is verified before anything else looks the code up, so a misread
    never reaches the database as a plausible-looking lookup miss.
    """
    text = normalize(raw)
    if len(text) < 3:
        raise CodeError("invalid", "A code has at least a kind letter, one character and a check.")
    if len(text) > MAX_LENGTH:
        raise CodeError("invalid", "A code has at most %(n)s characters.", n=str(MAX_LENGTH))
    if any(ch != "-" and ch not in _VALUE for ch in text):
        raise CodeError("invalid", "A code holds only A–Z, 0–9 and hyphens.")
    if text[-1] == "-":
        raise CodeError("invalid", "A code ends with its check character, not a hyphen.")
    try:
        found_kind = Kind(text[0])
    except ValueError:
        raise CodeError(
            "invalid",
            "A code starts with C, P or L (carrier, person, location), not %(first)s.",
            first=repr(text[0]),
        ) from None
    if check_character(text[:-1]) != text[-1]:
        raise CodeError(
            "bad_check_character", "The check character of %(code)s is wrong.", code=text
        )
    if kind is not None and found_kind is not kind:
        raise CodeError(
            "invalid",
            "%(code)s is a %(found)s code, not a %(wanted)s code.",
            code=text,
            found=found_kind.name.lower(),
            wanted=kind.name.lower(),
        )
    return Code(kind=found_kind, text=text)


def read_typed(raw: str) -> str:
    """The code a person meant when they keyed it in: as typed when its check character
    agrees; otherwise, after the unit prefix, with O read as 0 and I, L as 1 (the body and
    then the body with its check character), when that reading checks. Anything else
    comes back as typed, for :func:`parse` to refuse with its reason.

    A code made before the look-alike-free alphabet that holds a real O, I or L checks as
    typed, so it is never re-read.
    """
    text = normalize(raw)
    if is_valid(text):
        return text
    start = text.find("-") + 1 or 1  # the kind letter and unit prefix are letters by design
    body, check = text[start:-1], text[-1:]
    for reading in (
        text[:start] + (body + check).translate(LOOKALIKES),
        text[:start] + body.translate(LOOKALIKES) + check,
    ):
        if reading != text and is_valid(reading):
            return reading
    return text


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except CodeError:
        return False
    return True


def generate(kind: Kind, *, prefix: str = "", length: int = 8) -> str:
    """A fresh random code: ``K`` + optional unit prefix + ``-`` + random body + check.

    Random (``secrets``), never sequential or derived from a key, so a code reveals nothing
    about how many carriers a unit has or when one was made.
    """
    body = "".join(secrets.choice(BODY_ALPHABET) for _ in range(length))
    head = f"{kind.value}{prefix.upper()}-{body}"
    code = head + check_character(head)
    if len(code) > MAX_LENGTH:
        raise ValueError(f"Unit prefix {prefix!r} makes codes longer than {MAX_LENGTH}.")
    return code
