"""The checkpoint signing key: Ed25519 in files of the unit's key folder, never in a table.

``checkpoint-signing.key`` holds the current private key (PKCS#8 PEM, mode 0600).
Every public key the unit ever signed with stays beside it as ``checkpoint-<id>.pub``
(SubjectPublicKeyInfo PEM), so a statement signed before a rotation still verifies and a
backup of the folder's ``*.pub`` files is all an auditor needs. A key's id is the first
16 hex digits of SHA-256 over its raw 32 public bytes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from backend.keys import key_dir

PRIVATE_NAME = "checkpoint-signing.key"


class KeyMissing(Exception):
    pass


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _write_private(path: Path, private: Ed25519PrivateKey) -> None:
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created 0600 from the start (O_EXCL): the key is never readable by others, not even
    # for the instant between writing and chmod.
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)


def _new_key(folder: Path) -> Ed25519PrivateKey:
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    (folder / f"checkpoint-{key_id(public)}.pub").write_bytes(_public_pem(public))
    _write_private(folder / PRIVATE_NAME, private)
    return private


def signing_key(*, create: bool = True) -> Ed25519PrivateKey:
    """The current private key; made on first use unless ``create`` is false."""
    path = key_dir() / PRIVATE_NAME
    if not path.exists():
        if not create:
            raise KeyMissing(f"no signing key at {path}: run `custos signing-key create`")
        return _new_key(path.parent)
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise KeyMissing(f"{path} holds no Ed25519 key")
    return private


def signing_key_create() -> tuple[str, bool]:
    """Make the key unless one exists; answers its id and whether it was made now."""
    path = key_dir() / PRIVATE_NAME
    existed = path.exists()
    return key_id(signing_key().public_key()), not existed


def signing_key_rotate() -> tuple[str, str | None]:
    """Replace the private key; the old public key stays so old statements verify.

    The old private key is deleted rather than archived: a rotation usually means it may
    have leaked, and a key that no longer exists cannot sign a back-dated statement.
    """
    folder = key_dir()
    old = (
        key_id(signing_key(create=False).public_key()) if (folder / PRIVATE_NAME).exists() else None
    )
    private = _new_key(folder)
    return key_id(private.public_key()), old


def public_keys(folder: Path | None = None) -> dict[str, Ed25519PublicKey]:
    """Every known public key by id, read from the folder's ``*.pub`` files."""
    keys: dict[str, Ed25519PublicKey] = {}
    for path in sorted((folder or key_dir()).glob("*.pub")):
        try:
            public = serialization.load_pem_public_key(path.read_bytes())
        except ValueError:
            continue
        if isinstance(public, Ed25519PublicKey):
            keys[key_id(public)] = public
    return keys


def public_key_pem(kid: str | None = None) -> str:
    """The PEM of key ``kid`` (the current key by default)."""
    if kid is None:
        return _public_pem(signing_key(create=False).public_key()).decode()
    public = public_keys().get(kid)
    if public is None:
        raise KeyMissing(f"no public key {kid} in {key_dir()}")
    return _public_pem(public).decode()


def sign(message: bytes) -> tuple[str, bytes]:
    """Sign with the current key; answers (key id, signature)."""
    private = signing_key()
    return key_id(private.public_key()), private.sign(message)


def signature_valid(kid: str, message: bytes, signature: bytes) -> bool:
    public = public_keys().get(kid)
    if public is None:
        return False
    try:
        public.verify(signature, message)
    except InvalidSignature:
        return False
    return True
