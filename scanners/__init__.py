"""Desk-side scanner clients and the offline spool (``custos-scan``).

Runs on desk PCs with nothing but the HTTP API: this package imports nothing from Django,
``backend`` or ``worker``. Codes are checked with :mod:`labels.codes`, the same pure
module the server uses, so a misread is refused at the desk before it is queued.
"""
