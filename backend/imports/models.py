"""Saved column mappings: how a foreign register's headings name Custos' fields."""

from __future__ import annotations

from django.db import models


class ImportMapping(models.Model):
    """A layout other than Custos' own 涉密载体登记簿, saved for the unit's next file.

    ``columns`` maps a field (``backend.imports.layout.FIELDS``) to the heading that holds
    it in the foreign file, e.g. ``{"title": "文件标题", "level": "密级"}``.
    """

    name = models.CharField(max_length=100, unique=True)
    columns = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """A file imported whole: its SHA-256 is how a re-run knows its rows without codes."""

    sha256 = models.CharField(max_length=64, unique=True)
    file_name = models.CharField(max_length=300)
    rows = models.PositiveIntegerField()
    created = models.PositiveIntegerField()
    imported_by = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.file_name} ({self.sha256[:12]})"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队"
    CHECKING = "checking", "检查中"
    WRITING = "writing", "写入中"
    DONE = "done", "完成"
    FAILED = "failed", "失败"


class ImportJob(models.Model):
    """An import run on the worker for a large file, with its progress for the page.

    The file is kept under the var dir until the run ends; ``report`` holds the counts
    and the report lines (both languages) once it is done.
    """

    requested_by = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="+")
    file = models.CharField(max_length=200)  # relative to the var dir
    file_name = models.CharField(max_length=300)
    dry_run = models.BooleanField(default=False)
    location = models.CharField(max_length=100, blank=True, default="")
    mapping = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(default=0)  # rows checked so far
    report = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"import {self.pk}: {self.file_name} {self.status} {self.done}"
