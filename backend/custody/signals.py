"""Hooks the ledger fires for the apps above it (they subscribe in their AppConfig.ready).

``checkpoint_signed`` is sent inside the transaction that writes the signed checkpoint, so a
subscriber's outbox rows commit with it or not at all. Keyword argument: ``checkpoint``.
"""

from __future__ import annotations

from django.dispatch import Signal

checkpoint_signed = Signal()
