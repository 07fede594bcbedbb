from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "backend.alerts"
    label = "alerts"
    verbose_name = "Alerts 告警"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the models do.
        from backend.alerts import receivers  # noqa: F401 - opens and ends cases for hooks
