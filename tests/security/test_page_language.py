"""One language at a time (issue 19): every message a person reads on a Chinese page or in
a refusal comes from the catalogue, translated.

1. The catalogue: every entry of zh_Hans has a translation, none is fuzzy, it compiles,
   and the committed ``.mo`` holds what the ``.po`` says.
2. Every page of the role × clearance matrix (tests/security/test_page_matrix.py), in
   Chinese: no English sentence, raw code or bare status word in what the page shows.
3. The refusals the pages show (a mistyped badge, an unknown code, a step out of order …)
   are Chinese too.
"""

from __future__ import annotations

import gettext
import re
import subprocess
import uuid
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from backend.alerts.models import AlertKind
from backend.classification.services import classification_decide
from backend.custody.lifecycle import Action
from backend.desk.services import person_set_password
from backend.registry.models import Location, Person, Status
from backend.registry.principals import Principal
from labels.codes import check_character
from tests.security import test_page_matrix
from tests.security.test_matrix import CLEARANCES, ROLES

LOCALE = Path(__file__).resolve().parents[2] / "backend" / "locale"
placed = test_page_matrix.placed

# Words that are the same in both languages: the product's name, the language switch, keys,
# file formats, symbologies and units of measure.
SAME_IN_BOTH = {
    "Code",  # "Code 128", the barcode's name
    "DataMatrix",
    "Custos",
    "English",
    "Enter",
    "Esc",
    "PNG",
    "SVG",
    "PDF",
    "ZPL",
    "XLSX",
    "CSV",
    "dpi",
    "mm",
}
_CODE = re.compile(r"\b[CPL][A-Z0-9]*-?[A-Z0-9-]{3,}\b")
_TOKEN = re.compile(r"[A-Za-z0-9_]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
RAW_VALUES = (
    {s.value for s in Status}
    | {k.value for k in AlertKind}
    | {a.value for a in Action}
    | {"review", "approve", "amend", "reject", "refer", "classify", "open", "acknowledged"}
)


def _entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr joined over plural forms, fuzzy) for each entry but the header."""
    entries: list[tuple[str, str, bool]] = []
    msgid: list[str] = []
    msgstr: list[str] = []
    target: list[str] | None = None
    fuzzy = next_fuzzy = False

    def flush() -> None:
        if msgid or msgstr:
            entries.append(("".join(msgid), "".join(msgstr), fuzzy))

    for line in po.read_text(encoding="utf-8").splitlines():
        if line.startswith("#,") and "fuzzy" in line:
            next_fuzzy = True
        elif line.startswith("msgid "):
            flush()
            msgid, msgstr, target = [], [], None
            fuzzy, next_fuzzy = next_fuzzy, False
            target = msgid
            target.append(line[6:].strip()[1:-1])
        elif line.startswith("msgid_plural"):
            target = None
        elif line.startswith("msgstr"):
            target = msgstr
            msgstr.append(line.split(" ", 1)[1].strip()[1:-1] or "")
            if line.startswith("msgstr[") and not line.split(" ", 1)[1].strip()[1:-1]:
                msgstr.append("\0EMPTY")
        elif line.startswith('"') and target is not None:
            target.append(line.strip()[1:-1])
    flush()
    return [e for e in entries if e[0]]


def test_every_chinese_catalogue_entry_is_translated_and_compiled(tmp_path: Path) -> None:
    po = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
    entries = _entries(po)
    assert len(entries) > 300
    empty = [m for m, s, _ in entries if not s or "\0EMPTY" in s]
    fuzzy = [m for m, _, f in entries if f]
    assert empty == [], f"untranslated: {empty[:10]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:10]}"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(po)], check=True)
    with fresh.open("rb") as f1, (po.with_suffix(".mo")).open("rb") as f2:
        compiled, committed = gettext.GNUTranslations(f1), gettext.GNUTranslations(f2)
    assert compiled._catalog == committed._catalog, "compile the catalogue and commit the .mo"  # type: ignore[attr-defined]


class _Shown(HTMLParser):
    """The text a person reads: text outside scripts and styles, placeholders, titles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "kbd"):
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "title", "aria-label", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "kbd") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def english_left(html: str, known_names: set[str]) -> list[str]:
    """The ASCII words a Chinese page shows that are neither a code, a name, a format
    nor a number: English sentences, raw codes (``clearance_insufficient``), bare status
    words (``destroyed``)."""
    shown = _Shown()
    shown.feed(html)
    text = _CODE.sub(" ", "\n".join(shown.parts))
    for name in sorted(known_names, key=len, reverse=True):
        text = text.replace(name, " ")
    # Whole tokens: a hash or a number with letters in it is no word.
    words = {t for t in _TOKEN.findall(text) if _WORD.fullmatch(t)}
    return sorted(
        {w for w in words if w not in SAME_IN_BOTH and not w.isupper()} | (words & RAW_VALUES)
    )


def _names() -> set[str]:
    """Names are data, not messages: people's, places' (ASCII in the tests)."""
    return set(Person.objects.values_list("name", flat=True)) | set(
        Location.objects.values_list("name", flat=True)
    )


def _client_for(person: Person) -> Client:
    person_set_password(person=person, password="pw", check=False)
    client = Client()
    client.post("/", {"username": person.code, "password": "pw"})
    return client


@pytest.mark.parametrize("role", ROLES)
def test_no_chinese_page_shows_english(
    role: str, placed: dict[str, Any], make_person: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit, draft = placed["unit"], placed["carriers"][2]
    # A reviewed draft: its history shows a 定密 step beside the custody moves.
    classification_decide(
        principal=Principal(person=unit.approver),
        code=draft.code,
        decision="review",
        opinion="同意",
    )
    found: dict[str, list[str]] = {}
    for clearance in CLEARANCES:
        client = _client_for(make_person((role,) if role else (), clearance))
        names = _names()
        for path in test_page_matrix._pages(
            placed["carriers"], placed["stocktake"], placed["carry_out"]
        ):
            answer = client.get(path, follow=True)
            if not answer.get("Content-Type", "").startswith("text/html"):
                continue
            left = english_left(answer.content.decode(), names)
            if left:
                found[f"{clearance} {path} ({answer.status_code})"] = left
    assert not found, "\n".join(f"{k}: {' '.join(v)}" for k, v in found.items())


@pytest.fixture
def refusals(unit: Any, make_carrier: Any, settings: Any) -> list[tuple[Person, str, dict]]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    draft = make_carrier("secret", draft=True)
    stored = make_carrier("secret")
    nobody = "P-NOBODY1" + check_character("P-NOBODY1")  # well formed, nobody's badge
    wrong = unit.clerk.code[:-1] + ("A" if unit.clerk.code[-1] != "A" else "B")
    form = {
        "title": "文件",
        "form": "paper",
        "level": "secret",
        "period_kind": "default",
        "basis": "依据",
        "location": unit.safe.code,
    }
    return [
        (unit.registrar, "/register/", {**form, "custodian": wrong}),
        (unit.registrar, "/register/", {**form, "custodian": nobody}),
        (unit.registrar, "/register/", {**form, "custodian": unit.clerk.code, "title": ""}),
        (unit.registrar, "/register/", {**form, "custodian": unit.clerk.code, "basis": ""}),
        (
            unit.approver,
            "/classification/",
            {"carrier": draft.code, "decision": "reject", "opinion": "不同意"},
        ),
        (
            unit.approver,
            "/classification/",
            {"carrier": stored.code, "decision": "review", "opinion": "同意"},
        ),
        (
            unit.committee,
            "/registers/exports/",
            {"register": "lending", "fmt": "xlsx", "from": "2026-02-01", "to": "2026-01-01"},
        ),
        (unit.committee, f"/carriers/C{uuid.uuid4().hex[:8].upper()}/", {}),
    ]


def test_the_refusals_the_pages_show_are_chinese(
    refusals: list[tuple[Person, str, dict]],
) -> None:
    found: dict[str, list[str]] = {}
    shown: list[str] = []
    names = _names()
    for person, path, form in refusals:
        client = _client_for(person)
        answer = client.post(path, form) if form else client.get(path)
        html = answer.content.decode()
        refused = re.search(r'class="[^"]*\b(bad|bad-text)\b[^"]*"[^>]*>(.*?)</', html, re.S)
        assert refused, f"{path} {form}: no refusal shown"
        left = english_left(html, names)
        if left:
            found[f"{path} {form}"] = left
        shown.append(re.sub(r"<[^>]+>", "", refused.group(2)).strip())
    print("\n".join(shown))
    assert not found, "\n".join(f"{k}: {' '.join(v)}" for k, v in found.items())
