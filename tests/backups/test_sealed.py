"""The sealed file format: what it opens, and every way of spoiling a file it refuses."""

from __future__ import annotations

import io
import os
import struct

import pytest

from backend.backups.sealed import CHUNK, MAGIC, SealError, SealWriter, read_header, unseal

KEY, OTHER = os.urandom(32), os.urandom(32)
PAYLOAD = os.urandom(2 * CHUNK + 12345)  # three frames, the last one short


def seal(data: bytes, key: bytes = KEY) -> bytes:
    out = io.BytesIO()
    writer = SealWriter(out, key=key, header={"database": "sqlite", "level": "secret"})
    for start in range(0, len(data), 70000):  # written in pieces, as tarfile does
        writer.write(data[start : start + 70000])
    writer.close()
    return out.getvalue()


def opened(blob: bytes, key: bytes = KEY) -> bytes:
    return b"".join(unseal(io.BytesIO(blob), key=key))


def frame_offsets(blob: bytes) -> list[int]:
    (size,) = struct.unpack(">I", blob[len(MAGIC) : len(MAGIC) + 4])
    at, offsets = len(MAGIC) + 4 + size, []
    while at < len(blob):
        offsets.append(at)
        at += 5 + struct.unpack(">I", blob[at + 1 : at + 5])[0]
    return offsets


@pytest.mark.parametrize("data", [b"", b"x", PAYLOAD, os.urandom(CHUNK)])
def test_it_opens_what_it_sealed(data: bytes) -> None:
    assert opened(seal(data)) == data


def test_the_header_names_format_key_and_database_and_hides_no_plaintext() -> None:
    blob = seal(b"TOP-SECRET-TITLE" * 100)
    header = read_header(io.BytesIO(blob)).fields
    assert header["format"] == 1 and header["database"] == "sqlite"
    assert header["level"] == "secret" and len(header["key_id"]) == 16
    assert b"TOP-SECRET-TITLE" not in blob


def test_two_seals_of_the_same_data_differ() -> None:
    assert seal(b"same") != seal(b"same")


@pytest.mark.parametrize("cut", [1, 16, 17, 5000])
def test_it_refuses_a_truncated_file(cut: int) -> None:
    with pytest.raises(SealError) as refused:
        opened(seal(PAYLOAD)[:-cut])
    assert refused.value.code in {"truncated", "damaged"}


def test_it_refuses_a_file_cut_at_a_frame_boundary() -> None:
    blob = seal(PAYLOAD)
    last = frame_offsets(blob)[-1]
    with pytest.raises(SealError) as refused:
        opened(blob[:last])
    assert refused.value.code == "truncated"


def test_it_refuses_a_file_whose_frames_were_reordered_or_dropped() -> None:
    blob = seal(PAYLOAD)
    a, b, c = frame_offsets(blob)
    with pytest.raises(SealError):
        opened(blob[:a] + blob[b:c] + blob[a:b] + blob[c:])
    with pytest.raises(SealError):
        opened(blob[:a] + blob[b:])


def test_every_flipped_byte_is_refused() -> None:
    blob = seal(b"payload " * 50)
    for position in range(len(blob)):
        spoiled = bytearray(blob)
        spoiled[position] ^= 0x01
        with pytest.raises(SealError):
            opened(bytes(spoiled))


def test_bytes_after_the_end_are_refused() -> None:
    with pytest.raises(SealError) as refused:
        opened(seal(b"data") + b"\0")
    assert refused.value.code == "damaged"


def test_a_file_sealed_with_another_key_is_refused_by_name() -> None:
    with pytest.raises(SealError) as refused:
        opened(seal(b"data", key=OTHER))
    assert refused.value.code == "foreign_key"


def test_a_file_that_is_no_backup_is_refused() -> None:
    with pytest.raises(SealError) as refused:
        opened(b"SQLite format 3\0" + os.urandom(100))
    assert refused.value.code == "not_a_backup"
