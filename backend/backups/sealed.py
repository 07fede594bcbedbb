"""The sealed backup file: a plain header, then the archive in authenticated chunks.

Layout (all integers big-endian)::

    MAGIC                     b"CUSTOS-BACKUP\\n"
    u32 header length, header JSON (format, cipher, key id, salt, database kind, level…)
    frames: u8 final flag, u32 ciphertext length, ciphertext (AES-256-GCM, 16-byte tag)

Each file has its own AES-256 key, derived by HKDF-SHA256 from the unit's backup key and a
random salt in the header, so the per-frame nonce can simply be the frame's index. Every
frame's associated data binds the header's SHA-256, the index and the final flag: a
changed header, a reordered, dropped or flipped frame, a missing tail (no final frame) and
bytes after the final frame are each refused. The header stays readable without the key
on purpose: it is the marking of the medium (the highest level it holds).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"CUSTOS-BACKUP\n"
FORMAT = 1
CHUNK = 1 << 20
_TAG = 16
_MAX_HEADER = 64 * 1024
_FRAME = struct.Struct(">BI")


class SealError(Exception):
    """A file that is not a backup this unit can open: ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def key_id(key: bytes) -> str:
    """A short public name for a key: which key sealed a file, without revealing it."""
    return hashlib.sha256(b"custos-backup-key-id\0" + key).hexdigest()[:16]


def _file_key(key: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"custos-backup v1")
    return AESGCM(hkdf.derive(key))


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")


def _aad(header_digest: bytes, index: int, final: bool) -> bytes:
    return header_digest + index.to_bytes(8, "big") + (b"\1" if final else b"\0")


class SealWriter:
    """A write-only file object that seals what is written to it into ``out``."""

    def __init__(self, out: BinaryIO, *, key: bytes, header: dict[str, Any]) -> None:
        salt = os.urandom(32)
        full = {
            **header,
            "format": FORMAT,
            "cipher": "AES-256-GCM/HKDF-SHA256",
            "chunk": CHUNK,
            "key_id": key_id(key),
            "salt": salt.hex(),
        }
        raw = json.dumps(full, ensure_ascii=False, sort_keys=True).encode()
        head = MAGIC + struct.pack(">I", len(raw)) + raw
        out.write(head)
        self._out = out
        self._aead = _file_key(key, salt)
        self._digest = hashlib.sha256(head).digest()
        self._buffer = bytearray()
        self._index = 0
        self._closed = False

    def write(self, data: bytes) -> int:
        self._buffer += data
        # Keep at least one byte back: the last frame must be written as final.
        while len(self._buffer) > CHUNK:
            self._frame(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        if not self._closed:
            self._frame(bytes(self._buffer), final=True)
            self._buffer.clear()
            self._closed = True

    def _frame(self, plain: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(
            _nonce(self._index), plain, _aad(self._digest, self._index, final)
        )
        self._out.write(_FRAME.pack(1 if final else 0, len(sealed)) + sealed)
        self._index += 1


@dataclass(frozen=True, slots=True)
class Header:
    fields: dict[str, Any]
    digest: bytes


def read_header(src: BinaryIO) -> Header:
    """The plain header, readable without the key (the file's marking)."""
    magic = src.read(len(MAGIC))
    if magic != MAGIC:
        raise SealError(
            "not_a_backup", "This file is not a Custos backup. 此文件不是 Custos 备份。"
        )
    size_raw = src.read(4)
    if len(size_raw) < 4:
        raise SealError("truncated", "The backup file is truncated. 备份文件不完整。")
    (size,) = struct.unpack(">I", size_raw)
    if size > _MAX_HEADER:
        raise SealError("damaged", "The backup file's header is damaged. 备份文件头已损坏。")
    raw = src.read(size)
    if len(raw) < size:
        raise SealError("truncated", "The backup file is truncated. 备份文件不完整。")
    try:
        fields = json.loads(raw)
        if not isinstance(fields, dict) or fields.get("format") != FORMAT:
            raise ValueError
        bytes.fromhex(fields["salt"])
    except (ValueError, KeyError, TypeError):
        raise SealError(
            "damaged", "The backup file's header is damaged. 备份文件头已损坏。"
        ) from None
    return Header(fields=fields, digest=hashlib.sha256(magic + size_raw + raw).digest())


def unseal(src: BinaryIO, *, key: bytes) -> Iterator[bytes]:
    """Yield the archive's bytes frame by frame; raise ``SealError`` at the first frame
    that fails. The caller must consume everything before trusting any of it."""
    header = read_header(src)
    if header.fields.get("key_id") != key_id(key):
        raise SealError(
            "foreign_key",
            "The backup was sealed with another key (key id "
            f"{header.fields.get('key_id')}; this unit's is {key_id(key)}). "
            "备份由另一把密钥加密。",
        )
    aead = _file_key(key, bytes.fromhex(header.fields["salt"]))
    index = 0
    while True:
        frame = src.read(_FRAME.size)
        if len(frame) < _FRAME.size:
            raise SealError("truncated", "The backup file is truncated. 备份文件不完整。")
        flag, size = _FRAME.unpack(frame)
        if flag not in (0, 1) or size > CHUNK + _TAG:
            raise SealError("damaged", "The backup file is damaged. 备份文件已损坏。")
        sealed = src.read(size)
        if len(sealed) < size:
            raise SealError("truncated", "The backup file is truncated. 备份文件不完整。")
        try:
            plain = aead.decrypt(_nonce(index), sealed, _aad(header.digest, index, flag == 1))
        except InvalidTag:
            raise SealError(
                "damaged",
                "The backup file is damaged or not authentic. 备份文件已损坏或不可信。",
            ) from None
        yield plain
        index += 1
        if flag == 1:
            if src.read(1):
                raise SealError(
                    "damaged", "The backup file has bytes after its end. 备份文件末尾有多余数据。"
                )
            return
