"""The checkpoint root: a Merkle tree over every carrier's chain head (RFC 9162's shape).

Pure standard library, no Django, so docs/checkpoints.md can state it exactly and
``tools/verify_statement.py`` repeats it line for line.

1. Each carrier is one leaf, in ascending order of its code: the ASCII bytes
   ``"<code> <seq> <head hash>"`` (seq in decimal, hash in lower-case hex).
2. A leaf hashes as ``H(0x00 ‖ leaf)``, an inner node as ``H(0x01 ‖ left ‖ right)``; the
   tree of n leaves splits at the largest power of two below n (RFC 9162 §2.1.1); an
   empty ledger's root is ``H("")``.
3. ``H`` is SHA-256, or SM3 where the unit chose 国密 algorithms.

The root is built from a stream with a stack of at most log2(n) subtree hashes: a
checkpoint of a million carriers never holds the million leaves.
"""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Callable, Iterable

HASHES = ("sha256", "sm3")


class HashUnavailable(Exception):
    pass


def hasher(name: str) -> Callable[[bytes], bytes]:
    """The digest function named ``name``; refuses a name this machine's OpenSSL lacks."""
    if name not in HASHES:
        raise HashUnavailable(f"unknown hash {name!r}: choose one of {', '.join(HASHES)}")
    try:
        hashlib.new(name, b"")
    except ValueError as exc:
        raise HashUnavailable(f"this machine's {ssl.OPENSSL_VERSION} offers no {name}") from exc
    if name == "sha256":
        return lambda data: hashlib.sha256(data).digest()
    return lambda data: hashlib.new(name, data).digest()


def leaf(code: str, seq: int, head: str) -> bytes:
    return f"{code} {seq} {head}".encode("ascii")


class RootBuilder:
    """Feed leaves in code order with ``add``; ``root()`` gives the hex root."""

    __slots__ = ("_h", "_stack", "count")

    def __init__(self, hash_name: str = "sha256") -> None:
        self._h = hasher(hash_name)
        # (size of the subtree, its hash); sizes strictly decrease from the bottom up.
        self._stack: list[tuple[int, bytes]] = []
        self.count = 0

    def add(self, code: str, seq: int, head: str) -> None:
        h = self._h
        size, node = 1, h(b"\x00" + leaf(code, seq, head))
        stack = self._stack
        while stack and stack[-1][0] == size:
            _, left = stack.pop()
            size, node = size * 2, h(b"\x01" + left + node)
        stack.append((size, node))
        self.count += 1

    def root(self) -> str:
        if not self._stack:
            return self._h(b"").hex()
        # The unfinished right edge folds from the smallest subtree up: that is exactly
        # RFC 9162's split at the largest power of two.
        _, node = self._stack[-1]
        for _, left in reversed(self._stack[:-1]):
            node = self._h(b"\x01" + left + node)
        return node.hex()


def root_of(heads: Iterable[tuple[str, int, str]], hash_name: str = "sha256") -> str:
    """The root over ``(code, seq, head)`` triples already sorted by code."""
    builder = RootBuilder(hash_name)
    for code, seq, head in heads:
        builder.add(code, seq, head)
    return builder.root()


def fingerprint(root: str) -> str:
    """The first 80 bits of a root in groups of four, short enough to read aloud."""
    return " ".join(root[i : i + 4] for i in range(0, 20, 4))
