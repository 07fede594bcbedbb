from django.apps import AppConfig

# Registers the startup checks (a ledger hash this machine lacks refuses to start); the
# module imports no models, so it is safe while the app registry loads.
from backend.custody import startup  # noqa: F401


class CustodyConfig(AppConfig):
    name = "backend.custody"
    label = "custody"
    verbose_name = "Custody ledger 台账"
