"""The one list of carrier states, 定密 round states and level ranks — without Django.

The lifecycle table (backend/custody/lifecycle/) is pure and imports these; the models
(``registry.models.Status``, ``classification.models.CaseState``) build their Django
choices from them, so a state or a rank is written down once. It sits in registry, the
bottom layer, because the carrier's row is stored there and everything above may import it.
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """Where a carrier stands in its lifecycle (DESIGN.md "Lifecycle")."""

    DRAFT = "draft"
    # 先行采取保密措施: the decision was referred upward. The carrier is protected as the
    # proposed level meanwhile (its row carries that level, so every guard applies it): it
    # may be sighted in a stocktake or reported lost, never handed over or moved.
    REFERRED = "referred"
    REGISTERED = "registered"
    IN_STORAGE = "in_storage"
    IN_USE = "in_use"
    IN_TRANSIT = "in_transit"
    IN_REPAIR = "in_repair"
    # 外出携带: carried out of the unit under an approved request, due back by its end date.
    OFF_SITE = "off_site"
    PENDING_DESTRUCTION = "pending_destruction"
    DESTROYED = "destroyed"
    LOST = "lost"


class Round(StrEnum):
    """Where one 定密 round (拟定 → 审核 → 批准 → 记录) stands."""

    PROPOSED = "proposed"
    REVIEWED = "reviewed"
    REFERRED = "referred"
    APPROVED = "approved"
    AMENDED = "amended"
    REJECTED = "rejected"


OPEN_ROUNDS = frozenset({Round.PROPOSED, Round.REVIEWED, Round.REFERRED})

# Higher rank = more secret. Clearance "none" ranks below every level.
RANK: dict[str, int] = {"none": 0, "confidential": 1, "secret": 2, "top_secret": 3}


def clearance_covers(clearance: str, level: str) -> bool:
    """Whether a person cleared to ``clearance`` may hold a carrier of ``level``."""
    return RANK[clearance] >= RANK[level]
