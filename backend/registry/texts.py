"""The registry's words for people: a refused code and the field it came in, translated.

``labels.codes`` knows no Django, so its ``CodeError`` carries its English template and
parameters apart; here they go through the catalogue (zh_Hans, en) like every message a
person reads.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from backend.registry.models import Status
from labels.codes import CodeError

# The templates of labels/codes.py, so makemessages keeps their entries in the catalogue.
CODE_TEMPLATES = (
    gettext_noop("Character %(char)s is not allowed in a code."),
    gettext_noop("A code has at least a kind letter, one character and a check."),
    gettext_noop("A code has at most %(n)s characters."),
    gettext_noop("A code holds only A–Z, 0–9 and hyphens."),
    gettext_noop("A code ends with its check character, not a hyphen."),
    gettext_noop("A code starts with C, P or L (carrier, person, location), not %(first)s."),
    gettext_noop("The check character of %(code)s is wrong."),
    gettext_noop("%(code)s is a %(found)s code, not a %(wanted)s code."),
)
KINDS = {
    "carrier": gettext_lazy("carrier"),
    "person": gettext_lazy("person"),
    "location": gettext_lazy("location"),
}
# The fields a code arrives in (the ``what`` of the selectors), as the forms name them.
FIELDS = {
    "code": gettext_lazy("Code"),
    "carrier": gettext_lazy("Carrier"),
    "person": gettext_lazy("Person"),
    "location": gettext_lazy("Location"),
    "custodian": gettext_lazy("Custodian"),
    "scope": gettext_lazy("Knowledge scope"),
    "counterpart": gettext_lazy("Receiver"),
    "actor": gettext_lazy("Scanned by"),
    "witness": gettext_lazy("Witness"),
    "escort": gettext_lazy("Escort"),
    "responsible": gettext_lazy("Responsible person"),
    "form": gettext_lazy("Form"),
    "level": gettext_lazy("Level"),
    "clearance": gettext_lazy("Clearance"),
    "authority": gettext_lazy("Classification authority"),
}
ROLES = {
    "admin": gettext_lazy("Administrator"),
    "registrar": gettext_lazy("Registrar"),
    "clerk": gettext_lazy("Clerk"),
    "approver": gettext_lazy("Approver"),
    "witness": gettext_lazy("Witness"),
    "committee": gettext_lazy("Secrecy committee"),
    "security_admin": gettext_lazy("Security administrator"),
    "auditor": gettext_lazy("Security auditor"),
}


def code_error_text(exc: CodeError) -> str:
    """The refusal in the reader's language."""
    params = {k: str(KINDS.get(v, v)) for k, v in exc.params.items()}
    return _(exc.template) % params


def field_word(what: str) -> str:
    return str(FIELDS.get(what, what))


def roles_words(roles: list[str] | tuple[str, ...]) -> str:
    return "、".join(str(ROLES.get(r, r)) for r in roles)


def status_word(status: str) -> str:
    """A stored state in the words the pages and registers use (``Status`` labels)."""
    return str(STATUS_WORDS.get(status, status))


STATUS_WORDS = dict(Status.choices)


def unit_name() -> str:
    """The unit as a person reads it: ``CUSTOS_UNIT_NAME``, else its code prefix."""
    return settings.CUSTOS_UNIT_NAME or settings.CUSTOS_UNIT
