"""What the backup commands say about the medium: a backup is itself a classified carrier."""

from __future__ import annotations

from backend.registry.levels import Level


def carrier_notice(level: str) -> str:
    """The marking line every backup command prints for the file it handles."""
    if level not in Level.values:
        return (
            "This file holds no classified carrier yet; keep it as an internal record. "
            "本备份尚不含涉密载体，按内部资料保管。"
        )
    zh = Level(level).label
    return (
        f"CLASSIFIED CARRIER 涉密载体: this file holds carriers up to {zh} ({level}). "
        f"Register the medium that holds it as a {zh} carrier and keep it so. "
        f"本备份含最高{zh}级载体，存储介质须按{zh}载体登记、标志和保管。"
    )
