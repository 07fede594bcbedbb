"""The access log (Reg Art. 20), sign-in lock-outs and TOTP second factors.

``AccessRecord`` is append-only like the ledger (the model refuses UPDATE and DELETE; on
PostgreSQL a trigger does too, migration 0002): whoever reads a carrier at or above the
configured level leaves a row that says who, when, what, and nobody can take it back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from backend.custody.models import AppendOnlyModel
from backend.registry.models import Carrier, Device, Person


class AccessRecord(AppendOnlyModel):
    """One read of one carrier: who (person or device), when, what was read, and how."""

    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    # What was read: "carrier" (one carrier, its events or its page) or "list" (a row in
    # a list or search answer); whether the title was shown to the reader.
    what = models.CharField(max_length=16)
    level = models.CharField(max_length=16)
    title_shown = models.BooleanField(default=False)

    class Meta:
        db_table = "security_access_record"
        indexes = [
            # The carrier timeline's query: one carrier's reads, newest first.
            models.Index(fields=["carrier", "-at"], name="access_carrier_at_idx"),
        ]

    def __str__(self) -> str:
        return f"read of {self.carrier_id} at {self.at:%Y-%m-%d %H:%M}"


class AuditorRead(AppendOnlyModel):
    """One read by a security auditor (三员分立: whoever audits is audited too): the access
    log, the ledger check or a checkpoint. Append-only like the access log it watches."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    # "access_log", "verify", "checkpoint", "checkpoints", "receipts".
    what = models.CharField(max_length=32)
    detail = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        db_table = "security_auditor_read"

    def __str__(self) -> str:
        return f"{self.what} read at {self.at:%Y-%m-%d %H:%M}"


class SignInLock(models.Model):
    """Failed sign-ins for one badge code; ``locked_until`` set after too many of them."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "security_sign_in_lock"

    def __str__(self) -> str:
        return f"{self.username}: {self.failures} failures"


class TotpDevice(models.Model):
    """A user's TOTP authenticator (RFC 6238). ``confirmed_at`` is set once the person has
    typed a first valid code; ``last_step`` refuses a code being used twice."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    secret = models.CharField(max_length=64)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "security_totp_device"

    def __str__(self) -> str:
        return f"TOTP for user {self.user_id}"
