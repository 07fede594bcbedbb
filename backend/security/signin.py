"""Sign-in lock-out: after ``CUSTOS_LOCKOUT_FAILURES`` wrong passwords for one badge code
within ``CUSTOS_LOCKOUT_SECONDS``, that badge code cannot sign in — not even with the
right password — until the lock-out has passed or ``custos security unlock`` lifts it.

Hooked into Django's own authentication (a backend and the ``user_login_failed`` /
``user_logged_in`` signals), so the sign-in page needs no code of its own for it.
Counting per badge code rather than per address: desks sit behind one NAT address, and a
guessing attack aims at one person's account.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from backend.security.models import SignInLock


def _name(username: str | None) -> str:
    return (username or "").strip().upper()


def locked_until(username: str | None) -> Any:
    """When the lock on ``username`` ends, or None if it may try now."""
    lock = SignInLock.objects.filter(username=_name(username)).first()
    if lock is None or lock.locked_until is None or lock.locked_until <= timezone.now():
        return None
    return lock.locked_until


class LockoutModelBackend(ModelBackend):
    """Django's backend, refusing a locked-out badge code before the password is checked
    (so a locked account gives a guesser no signal about the password either)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is not None and locked_until(username) is not None:
            # PermissionDenied stops Django from asking any other backend, and still sends
            # ``user_login_failed`` — a try during the lock-out counts as a failure.
            raise PermissionDenied
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _count_failure(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    name = _name(credentials.get("username"))
    if not name:
        return
    now = timezone.now()
    window = timedelta(seconds=settings.CUSTOS_LOCKOUT_SECONDS)
    with transaction.atomic():
        lock, _ = SignInLock.objects.select_for_update().get_or_create(username=name)
        if lock.last_failure_at is not None and now - lock.last_failure_at > window:
            lock.failures = 0  # an old failure long ago does not count toward a new lock
        lock.failures = F("failures") + 1 if lock.failures else 1
        lock.last_failure_at = now
        lock.save(update_fields=["failures", "last_failure_at"])
        lock.refresh_from_db(fields=["failures"])
        if lock.failures >= settings.CUSTOS_LOCKOUT_FAILURES:
            lock.locked_until = now + window
            lock.save(update_fields=["locked_until"])


@receiver(user_logged_in)
def _clear_failures(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    SignInLock.objects.filter(username=_name(user.get_username())).delete()
