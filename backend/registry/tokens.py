"""Bearer tokens: ``cst_<prefix>_<secret>``, kept as the prefix and a SHA-256 of the secret.

The prefix finds the row with an index; the secret is compared in constant time, so
neither a timing difference nor a copy of the table gives a usable token away.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX_LENGTH = 10


@dataclass(frozen=True, slots=True)
class NewToken:
    prefix: str
    digest: str
    plain: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def mint() -> NewToken:
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    return NewToken(prefix=prefix, digest=digest(secret), plain=f"cst_{prefix}_{secret}")


def split(plain: str) -> tuple[str, str] | None:
    parts = plain.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "cst" or len(parts[1]) != PREFIX_LENGTH or not parts[2]:
        return None
    return parts[1], parts[2]


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)
