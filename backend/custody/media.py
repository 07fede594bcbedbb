"""What ingest needs to know about storage media: which device a medium is installed in, which
media a device still holds, and the writes of installing and removing one.

The lock query reads each carrier's device (``host_code``) and, for a batch whose scans move
a device or look at its storage, locks the media installed in the scanned carriers along
with them (store ``with_media``). Everything here is read from those locked rows, so the
rules cost no round trip; only a batch that installs storage reads the media's kinds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from backend.registry.media import DEVICE_KINDS, STORAGE_KINDS, Medium
from backend.registry.models import Carrier
from backend.registry.states import State


@dataclass(slots=True)
class MediaState:
    host: dict[str, str] = field(default_factory=dict)  # medium code → its device's code
    inside: dict[str, set[str]] = field(default_factory=dict)  # device code → media codes
    kinds: dict[str, str] = field(default_factory=dict)  # carrier code → medium kind

    def of(self, code: str) -> tuple[str | None, tuple[str, ...]]:
        return self.host.get(code), tuple(sorted(self.inside.get(code, ())))

    def removed(self, code: str) -> None:
        host = self.host.pop(code, None)
        if host is not None:
            self.inside.get(host, set()).discard(code)

    def installed(self, code: str, host: str) -> None:
        self.host[code] = host
        self.inside.setdefault(host, set()).add(code)

    def takes_storage(self, code: str) -> bool:
        return self.kinds.get(code) in DEVICE_KINDS

    def is_storage(self, code: str) -> bool:
        return self.kinds.get(code) in STORAGE_KINDS


def media_state(carriers: Iterable[Carrier], *, kinds: bool = False) -> MediaState:
    """The media state of locked ``carriers`` (their ``host_code`` annotations); with
    ``kinds``, also what kind of medium each is (one query)."""
    state = MediaState()
    locked = list(carriers)
    for c in locked:
        host = getattr(c, "host_code", None)  # lock annotation
        if host is not None and c.status != State.DESTROYED:
            state.installed(c.code, host)
    if kinds and locked:
        state.kinds = dict(
            Medium.objects.filter(carrier_id__in=[c.id for c in locked]).values_list(
                "carrier__code", "kind"
            )
        )
    return state


def medium_removed(*, carrier: Carrier) -> None:
    """The medium left its device by a recorded ``remove_storage`` scan."""
    Medium.objects.filter(carrier=carrier).update(host=None)


def medium_installed(*, carrier: Carrier, host: Carrier, level: str | None) -> None:
    """The medium went into ``host`` by a recorded ``install_storage`` scan; ``level``: the
    higher level it now holds (its high-water mark and its carrier's level rise with it)."""
    if level is None:
        Medium.objects.filter(carrier=carrier).update(host=host)
        return
    Medium.objects.filter(carrier=carrier).update(host=host, high_water=level)
    Carrier.objects.filter(id=carrier.id).update(level=level)
    carrier.level = level
