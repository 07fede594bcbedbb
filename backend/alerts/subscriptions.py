"""What alerts subscribes to (imported once by ``CoreConfig.ready()``, docs/architecture.md)."""

from backend.alerts import ledger
from backend.alerts import receivers as receivers  # connects open_case / end_case on import
from backend.alerts.publish import statement_deliveries_write
from backend.custody import hooks
from backend.hooks import checkpoint_signed

# Custody's ingest calls these inside the transaction that appends the events.
hooks.on_event_appended(ledger.mismatches_raise)
hooks.on_condition_ended(
    hooks.ConditionWatch(ended=ledger.conditions_follow_up, open_sql=ledger.open_case_sql())
)
# A signed checkpoint leaves the database through the outbox (issue 13).
checkpoint_signed.connect(statement_deliveries_write, dispatch_uid="alerts.publish")
