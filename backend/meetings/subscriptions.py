"""What meetings subscribe to (imported once by ``CoreConfig.ready()``, docs/architecture.md)."""

from backend.custody import hooks
from backend.meetings.checks import meeting_scans_check, unreturned_end, unreturned_open_sql

hooks.on_scan_check(meeting_scans_check)
hooks.on_condition_ended(hooks.ConditionWatch(ended=unreturned_end, open_sql=unreturned_open_sql()))
