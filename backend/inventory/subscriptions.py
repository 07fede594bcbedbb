"""What inventory subscribes to (imported once by ``CoreConfig.ready()``, docs/architecture.md)."""

from backend.custody import hooks
from backend.inventory.sightings import stocktake_scans_check

# Custody asks the stocktake rule through its hook.
hooks.on_scan_check(stocktake_scans_check)
