from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "backend.alerts"
    label = "alerts"
    verbose_name = "Alerts 告警"

    def ready(self) -> None:
        # Models are loaded only now; custody calls back through its hooks.
        from backend.alerts import ledger
        from backend.custody import hooks

        hooks.on_event_appended(ledger.mismatches_raise)
        hooks.on_condition_ended(
            hooks.ConditionWatch(ended=ledger.conditions_follow_up, open_sql=ledger.open_case_sql())
        )
