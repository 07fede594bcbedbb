"""What the backup, restore and drill runs did: the record a missing nightly backup is
judged by, and what the committee reads after a drill."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class RunKind(models.TextChoices):
    BACKUP = "backup", "备份"
    RESTORE = "restore", "恢复"
    DRILL = "drill", "恢复演练"


class BackupRun(models.Model):
    kind = models.CharField(max_length=16, choices=RunKind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    ok = models.BooleanField()
    # The backup file (its name, not its contents) and the summary the run printed.
    file = models.CharField(max_length=1000, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=RunKind.values), name="backup_run_kind")
        ]
        indexes = [
            # The missing-backup check: the latest good backup.
            models.Index(fields=["kind", "ok", "finished_at"], name="backup_run_latest_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.finished_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'failed'}"
