from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "backend.alerts"
    label = "alerts"
    verbose_name = "Alerts 告警"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the models do.
        from backend.alerts import (
            ledger,
            receivers,  # noqa: F401 - opens and ends cases for the kernel's hooks
        )
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
