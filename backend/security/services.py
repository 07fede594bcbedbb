"""Writes of the security app: revoking tokens, deactivating a person, the access log
and TOTP enrolment. Keyword-only, each one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.errors import ServiceError
from backend.registry.models import Carrier, Person, Token
from backend.registry.principals import Principal, require_role
from backend.security import totp
from backend.security.models import AccessRecord, AuditorRead, TotpDevice


@transaction.atomic
def token_revoke(*, prefix: str) -> Token:
    """Revoke one token by its lookup prefix (what ``custos token list`` shows). Takes
    effect on this process's next request, and within ``CUSTOS_TOKEN_CACHE_SECONDS`` in
    the other web processes (backend/registry/token_cache.py)."""
    token = Token.objects.select_for_update().filter(prefix=prefix.strip()).first()
    if token is None:
        raise ServiceError("unknown_code", f"No token has the prefix {prefix!r}. 无此令牌。")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def _end_sessions(user_id: int) -> int:
    # Sessions are signed blobs keyed by id; the user id is only inside. One pass over the
    # unexpired sessions is cheap at a unit's size and leaves no session behind.
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def person_deactivate(*, person: Person, departs_on: datetime | None = None) -> dict[str, int]:
    """Deactivate ``person``: every token revoked and every session ended, at once.

    (A departure date that passes on its own needs no call: token authentication and the
    session guard both compare ``departs_on`` with today on every request.)
    """
    now = timezone.now()
    person.active = False
    fields = ["active"]
    if departs_on is not None:
        person.departs_on = departs_on
        fields.append("departs_on")
    person.save(update_fields=fields)
    revoked = Token.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
    sessions = 0
    if person.user_id is not None:
        get_user_model().objects.filter(pk=person.user_id).update(is_active=False)
        sessions = _end_sessions(person.user_id)
    return {"tokens": revoked, "sessions": sessions}


def access_record(
    *, principal: Principal, carriers: Iterable[Carrier], what: str, shown: set[int]
) -> int:
    """Append one access-log row per carrier (the caller, backend/registry/policy.py,
    has already chosen the carriers whose level is logged). ``shown``: carrier ids whose
    title the reader saw."""
    rows = [
        AccessRecord(
            carrier=c,
            person=principal.person,
            device=principal.device,
            what=what,
            level=c.level,
            title_shown=c.id in shown,
        )
        for c in carriers
    ]
    if rows:
        AccessRecord.objects.bulk_create(rows)
    return len(rows)


def auditor_read_record(*, principal: Principal, what: str, detail: str = "") -> AuditorRead:
    """Append one row for a security auditor's read (三员分立: the auditor is audited)."""
    if principal.person is None:
        raise ServiceError("forbidden", "Only a person reads as the security auditor.")
    return AuditorRead.objects.create(person=principal.person, what=what, detail=detail[:200])


def access_log_read(
    *, principal: Principal, limit: int = 200
) -> tuple[list[AccessRecord], list[AuditorRead]]:
    """The newest access-log rows and auditor reads, for the security auditor alone — and
    the reading itself leaves a row, so nobody reads the log unseen. Nothing here, nor
    anywhere else in Custos, changes or removes a row of either log."""
    require_role(principal, "auditor", message=_("Only the security auditor reads the access log."))
    with transaction.atomic():
        auditor_read_record(principal=principal, what="access_log")
    records = list(
        AccessRecord.objects.select_related("carrier", "person", "device").order_by("-at", "-id")[
            :limit
        ]
    )
    reads = list(AuditorRead.objects.select_related("person").order_by("-at", "-id")[:limit])
    return records, reads


@transaction.atomic
def totp_enrol(*, user_id: int) -> TotpDevice:
    """The user's authenticator, created unconfirmed with a fresh secret if none exists.
    A confirmed one is returned as it is: re-enrolling needs ``custos security reset-2fa``."""
    device, _ = TotpDevice.objects.select_for_update().get_or_create(
        user_id=user_id, defaults={"secret": totp.new_secret()}
    )
    return device


@transaction.atomic
def totp_verify(*, user_id: int, code: str) -> bool:
    """Check a code; a code (time step) is accepted once only, so one overheard at a desk
    cannot be replayed. The first valid code confirms the enrolment."""
    device = TotpDevice.objects.select_for_update().filter(user_id=user_id).first()
    if device is None:
        return False
    step = totp.matching_step(device.secret, code)
    if step is None or step <= device.last_step:
        return False
    device.last_step = step
    fields = ["last_step"]
    if device.confirmed_at is None:
        device.confirmed_at = timezone.now()
        fields.append("confirmed_at")
    device.save(update_fields=fields)
    return True


@transaction.atomic
def totp_reset(*, user_id: int) -> bool:
    return TotpDevice.objects.filter(user_id=user_id).delete()[0] > 0
