"""Cleaning raw reads: framing, AIM identifiers and junk stripped; the check enforced."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labels.codes import ALPHABET, MAX_LENGTH, Kind, check_character
from scanners.reader import Cleaner, Debouncer, ReadError


@st.composite
def codes(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from("CPL"))
    body = draw(st.text(alphabet=ALPHABET + "-", min_size=1, max_size=MAX_LENGTH - 2))
    head = kind + body
    return head + check_character(head)


aim_ids = st.builds(
    lambda letter, modifier: f"]{letter}{modifier}",
    st.sampled_from("CEQdIAeF"),
    st.sampled_from("0123456789ABZ"),
)
# Bytes that can never be part of a code: controls, DEL, high bytes, punctuation, space.
junk_chars = st.sampled_from(
    [chr(c) for c in range(0, 32)]
    + [chr(c) for c in range(127, 256)]
    + list(" !\"#$%&'()*+,./:;<=>?@[\\^_`{|}~-")
)
junk = st.text(alphabet=junk_chars, max_size=6)
framings = st.sampled_from([("", ""), ("\x02", "\x03"), ("#", "!"), ("PRE:", ":SUF"), ("", "\t")])


@given(
    code=codes(),
    aim=st.one_of(st.just(""), aim_ids),
    framing=framings,
    before=junk,
    after=junk,
    eol=st.sampled_from(["", "\r", "\n", "\r\n"]),
    lower=st.booleans(),
)
def test_it_finds_the_code_inside_any_framing(
    code: str,
    aim: str,
    framing: tuple[str, str],
    before: str,
    after: str,
    eol: str,
    lower: bool,
) -> None:
    prefix, suffix = framing
    text = code.lower() if lower else code
    raw = f"{before}{prefix}{aim}{text}{suffix}{after}{eol}"
    cleaner = Cleaner(prefix=prefix, suffix=suffix)
    assert cleaner.clean(raw).text == code
    assert cleaner.clean(raw.encode("latin-1")).text == code


@given(code=codes(), data=st.data())
def test_a_single_misread_character_is_refused(code: str, data: st.DataObject) -> None:
    # A hyphen is not checked (CONTRACT.md), so a letter read for it is an insertion,
    # which MOD 37,36 does not promise to catch: substitute checked characters only.
    at = data.draw(st.sampled_from([i for i, ch in enumerate(code) if ch != "-"]))
    wrong = data.draw(st.sampled_from(ALPHABET).filter(lambda ch: ch != code[at]))
    misread = code[:at] + wrong + code[at + 1 :]
    with pytest.raises(ReadError):
        Cleaner().clean(f"]C0{misread}\r\n")


def test_it_names_a_wrong_check_character() -> None:
    with pytest.raises(ReadError) as err:
        Cleaner().clean("]C0CXZ-00000001X\r\n")
    assert err.value.reason == "bad_check_character"


def test_a_misread_behind_an_aim_identifier_is_never_glued_to_it() -> None:
    # "]C0" + "LDT" read as "C0LDT" would be a valid code: the AIM id must not be data.
    with pytest.raises(ReadError):
        Cleaner().clean("]C0LDT\r\n")


def test_an_unconfigured_prefix_before_the_aim_identifier_goes_with_it() -> None:
    assert Cleaner().clean("DESK7]C0CXZ-00000001M\r").text == "CXZ-00000001M"


def test_two_codes_in_one_read_are_refused_rather_than_guessed() -> None:
    with pytest.raises(ReadError):
        Cleaner().clean("CXZ-00000001M P-ADMIN1U")


def test_a_code_split_by_noise_is_refused_not_cut_to_a_fragment() -> None:
    with pytest.raises(ReadError):
        Cleaner().clean("CXZ-000#00001M")


def test_pure_noise_is_empty() -> None:
    with pytest.raises(ReadError) as err:
        Cleaner().clean(b"\x00\xff\r\n")
    assert err.value.reason == "empty"


def test_it_refuses_a_code_of_the_wrong_kind() -> None:
    with pytest.raises(ReadError) as err:
        Cleaner().clean("P-ADMIN1U", kind=Kind.CARRIER)
    assert err.value.reason == "wrong_kind"


def test_the_same_code_within_the_window_counts_once() -> None:
    now = [100.0]
    debounce = Debouncer(window=2.0, clock=lambda: now[0])
    assert not debounce.is_repeat("CXZ-00000001M")
    now[0] += 1.5
    assert debounce.is_repeat("CXZ-00000001M")
    assert not debounce.is_repeat("P-ADMIN1U")  # another code is never a repeat
    now[0] += 1.9  # sliding: the repeat at +1.5 restarted the window
    assert debounce.is_repeat("CXZ-00000001M")
    now[0] += 2.0
    assert not debounce.is_repeat("CXZ-00000001M")
