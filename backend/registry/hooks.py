"""Hooks the registry fires so that apps above it can act without the registry importing them.

Each is a Django signal; the app that does the work connects to it in its
``AppConfig.ready()`` (docs/architecture.md lists every hook and its subscriber).
"""

from __future__ import annotations

from django.dispatch import Signal

# Reads handed out at a logged level (Reg Art. 20). Sent with ``principal``, ``carriers``
# (the logged ones), ``what`` and ``shown`` (ids whose title the reader saw); a receiver
# returns the number of access-log rows it wrote. backend/security writes the log.
carriers_read = Signal()
