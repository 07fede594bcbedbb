"""What campaigns subscribes to (imported once by ``CoreConfig.ready()``, docs/architecture.md)."""

from backend.campaigns import returns
from backend.custody import hooks
from backend.hooks import departure_blockers, sweep_due

# A return scan marks the campaign row inside the ingest transaction; the lock
# statement's EXISTS keeps batches without campaign carriers free of any call.
hooks.on_condition_ended(
    hooks.ConditionWatch(ended=returns.returns_record, open_sql=returns.open_row_sql())
)
sweep_due.connect(returns.sweep_due, dispatch_uid="campaigns.sweep_due")
departure_blockers.connect(returns.departure_blockers, dispatch_uid="campaigns.departure_blockers")
