"""What an import says: the report by row number, in Chinese and in English."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import translation
from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.imports.checks import Problem
from backend.imports.services import ImportReport
from backend.registry.models import Person

LANGUAGES = ("zh-hans", "en")


def say(problem: Problem, language: str) -> str:
    msgid, params = problem
    with translation.override(language):
        words = {k: _(v) if k == "what" else v for k, v in params.items()}
        return _(msgid) % words


def summary(report: ImportReport, language: str, *, dry_run: bool) -> str:
    params = {
        "rows": report.rows,
        "new": report.new,
        "present": report.present,
        "bad": len(report.bad_rows()),
    }
    with translation.override(language):
        if not report.ok:
            text = _("%(bad)s of %(rows)s rows are bad; nothing was written.") % params
        elif dry_run:
            text = (
                _(
                    "Checked %(rows)s rows: %(new)s new, %(present)s already present; nothing was written (dry run)."  # noqa: E501 - one msgid
                )
                % params
            )
        else:
            text = _("%(new)s new, %(present)s already present.") % params
    return text


def report_lines(report: ImportReport, *, dry_run: bool) -> Iterator[str]:
    """One line per problem (``第N行：… / row N: …``), then the summary in both languages."""
    for number, problem in report.problems:
        zh, en = (say(problem, lang) for lang in LANGUAGES)
        yield f"第{number}行：{zh} / row {number}: {en}"
    for lang in LANGUAGES:
        yield summary(report, lang, dry_run=dry_run)
    yield f"SHA-256 {report.sha256}"
    if report.codes_issued:
        yield _("%(n)s rows had no code and got a new one; print their labels.") % {
            "n": len(report.codes_issued)
        }


def actor_for(badge: str | None) -> Person:
    """The registrar the command acts as: by badge, or the only active registrar."""
    registrars = Person.objects.filter(active=True, roles_text__contains=",registrar,")
    if badge:
        registrars = registrars.filter(code=badge.strip().upper())
    found = list(registrars[:2])
    if len(found) != 1:
        raise ServiceError(
            "invalid",
            _("Name the registrar the import acts as with --as BADGE."),
            {"field": "as"},
        )
    return found[0]
