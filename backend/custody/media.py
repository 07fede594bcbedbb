"""What ingest needs to know about storage media: which device a medium is installed in, and
which media a device still holds. Read only for batches that remove storage or send a
device out for repair, so the hot path of every other scan pays nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from backend.registry.media import Medium
from backend.registry.models import Carrier
from backend.registry.states import State


@dataclass(slots=True)
class MediaState:
    host: dict[str, str] = field(default_factory=dict)  # medium code → its device's code
    inside: dict[str, set[str]] = field(default_factory=dict)  # device code → media codes

    def of(self, code: str) -> tuple[str | None, tuple[str, ...]]:
        return self.host.get(code), tuple(sorted(self.inside.get(code, ())))

    def removed(self, code: str) -> None:
        host = self.host.pop(code, None)
        if host is not None:
            self.inside.get(host, set()).discard(code)


def media_state(carriers: Iterable[Carrier]) -> MediaState:
    ids = [c.id for c in carriers]
    state = MediaState()
    rows = (
        Medium.objects.filter(host__isnull=False)
        .filter(carrier_id__in=ids)
        .union(Medium.objects.filter(host_id__in=ids).exclude(carrier__status=State.DESTROYED))
        .values_list("carrier__code", "host__code")
    )
    for medium, host in rows:
        state.host[medium] = host
        state.inside.setdefault(host, set()).add(medium)
    return state


def medium_removed(*, carrier: Carrier) -> None:
    """The medium left its device by a recorded ``remove_storage`` scan."""
    Medium.objects.filter(carrier=carrier).update(host=None)
