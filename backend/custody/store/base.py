"""The store interface (see the package's docstring)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from backend.custody.models import CustodyEvent
from backend.registry.models import Carrier, Location, Person

# The label lookup and the SQL of the carrier ids it names (see hooks.CodeResolver).
Labels = tuple[tuple[str, Sequence[Any]], str]
# The badge codes and the location codes a batch names.
Names = tuple[set[str], set[str]]


@dataclass(slots=True)
class Locked:
    """What the lock step read: the carriers, locked in primary-key order, each annotated
    with ``custodian_code``, ``location_code``, ``requester_code``, ``approver_code`` and
    ``has_open_case``; which scan ids are already recorded; each carrier's knowledge scope
    (badge codes, when asked); the label lookup's rows, and the people and places named,
    when they rode along."""

    carriers: list[Carrier]
    seen: set[uuid.UUID]
    scopes: dict[int, set[str]] = field(default_factory=dict)
    label_rows: list[tuple[Any, ...]] = field(default_factory=list)
    # The people and places by code, when ``names`` rode with the lock.
    people: dict[str, Person] = field(default_factory=dict)
    places: dict[str, Location] = field(default_factory=dict)
    # Whether the storage media installed in the carriers were locked with them.
    with_media: bool = False


class LedgerStore(Protocol):
    name: str

    def folds_labels(self, count: int) -> bool:
        """Whether, for a batch of ``count`` scans, the label lookup should ride with the
        lock query (:meth:`lock` with ``labels``) instead of running first."""
        ...

    def people_and_places(
        self, people: set[str], places: set[str]
    ) -> tuple[dict[str, Person], dict[str, Location]]:
        """The people and locations with these codes, by code."""
        ...

    def lock(
        self,
        codes: Iterable[str],
        ids: Sequence[uuid.UUID],
        *,
        with_scope: bool,
        labels: Labels | None = None,
        with_media: bool = False,
        names: Names | None = None,
    ) -> Locked:
        """Lock the carriers with these codes (and those ``labels`` names, and with
        ``with_media`` the storage media installed in any of them), then find which
        of ``ids`` are already recorded: read after the locks are granted, so an id a
        concurrent batch recorded for the same carrier is seen. ``names``: the people's
        and places' codes to read as :meth:`people_and_places` does, along with."""
        ...

    def write(self, events: list[CustodyEvent], carriers: list[Carrier]) -> None:
        """Insert the new events and write the carriers' new state (seq, head, custody…),
        as the last writes of the caller's transaction."""
        ...
