from django.apps import AppConfig


class CustodyConfig(AppConfig):
    name = "backend.custody"
    label = "custody"
    verbose_name = "Custody ledger 台账"
