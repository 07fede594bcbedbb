"""Secrecy levels, clearances, carrier forms and roles — the vocabulary of GLOSSARY.md."""

from __future__ import annotations

from django.db import models

from backend.registry.states import RANK, clearance_covers


class Level(models.TextChoices):
    TOP_SECRET = "top_secret", "绝密"
    SECRET = "secret", "机密"
    CONFIDENTIAL = "confidential", "秘密"


class Clearance(models.TextChoices):
    TOP_SECRET = "top_secret", "绝密"
    SECRET = "secret", "机密"
    CONFIDENTIAL = "confidential", "秘密"
    NONE = "none", "无"


class Grade(models.TextChoices):
    """涉密人员 grades (Reg: 核心/重要/一般涉密人员)."""

    CORE = "core", "核心涉密人员"
    IMPORTANT = "important", "重要涉密人员"
    GENERAL = "general", "一般涉密人员"


class Form(models.TextChoices):
    PAPER = "paper", "纸介质"
    MAGNETIC = "magnetic", "磁介质"
    OPTICAL = "optical", "光介质"
    ELECTRONIC = "electronic", "电子"
    DEVICE = "device", "设备"


class Role(models.TextChoices):
    ADMIN = "admin", "管理员"
    REGISTRAR = "registrar", "登记员"
    CLERK = "clerk", "收发员"
    APPROVER = "approver", "定密责任人"
    WITNESS = "witness", "监销人"
    COMMITTEE = "committee", "保密委员会"
    # 三员分立: no person holds two of admin, security_admin and auditor (CONTRACT.md).
    SECURITY_ADMIN = "security_admin", "安全保密管理员"
    AUDITOR = "auditor", "安全审计员"


class LocationKind(models.TextChoices):
    DESK = "desk", "收发台"
    SAFE = "safe", "保密柜"
    REPAIR = "repair", "维修点"
    DESTRUCTION = "destruction", "销毁点"
    OFFICE = "office", "办公室"


# Reg Art. 19-24 and 定密管理暂行规定: with no period stated, 30/20/10 years by level.
DEFAULT_PERIOD_YEARS = {"top_secret": 30, "secret": 20, "confidential": 10}

LEVEL_ZH = {"top_secret": "绝密", "secret": "机密", "confidential": "秘密"}


__all__ = [
    "DEFAULT_PERIOD_YEARS",
    "LEVEL_ZH",
    "RANK",
    "Clearance",
    "Form",
    "Grade",
    "Level",
    "LocationKind",
    "Role",
    "clearance_covers",
]
