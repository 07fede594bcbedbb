"""What carry-outs subscribe to (imported once by ``CoreConfig.ready()``, docs/architecture.md)."""

from backend.carryouts.scans import (
    carry_out_events_follow,
    carry_out_scans_check,
    carry_out_scans_due,
)
from backend.carryouts.services import sweep_due
from backend.custody import hooks
from backend.hooks import sweep_due as sweep_due_hook

hooks.on_scan_check(carry_out_scans_check)
hooks.on_scan_due(carry_out_scans_due)
hooks.on_event_appended(carry_out_events_follow)
# Every sweep closes the approved requests whose dates passed unused.
sweep_due_hook.connect(sweep_due, dispatch_uid="carryouts.sweep_due")
