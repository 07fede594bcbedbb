"""Who is calling: a person (with their token or session) or a scanner device."""

from __future__ import annotations

from dataclasses import dataclass

from backend.registry.models import Device, Person


@dataclass(frozen=True, slots=True)
class Principal:
    person: Person | None = None
    device: Device | None = None

    def has_role(self, *roles: str) -> bool:
        return self.person is not None and any(self.person.has_role(r) for r in roles)

    @property
    def is_committee(self) -> bool:
        return self.has_role("committee")
