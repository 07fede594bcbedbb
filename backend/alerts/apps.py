from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "backend.alerts"
    label = "alerts"
    verbose_name = "Alerts 告警"

    def ready(self) -> None:
        # Imported here, not at the top: the receiver's module imports models, which the
        # app registry is not ready for while apps.py loads.
        from backend.alerts.publish import statement_deliveries_write
        from backend.custody.signals import checkpoint_signed

        checkpoint_signed.connect(statement_deliveries_write, dispatch_uid="alerts.publish")
