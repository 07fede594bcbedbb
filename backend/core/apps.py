from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "backend.core"
    label = "core"
    verbose_name = "Custos"

    def ready(self) -> None:
        # Each app's subscriptions.py connects its receivers and registers its custody
        # hooks at import (docs/architecture.md, the hook list). They are imported here,
        # once every model is loaded, the way Django's admin finds each app's admin.py:
        # no app imports another inside a function, and the order is INSTALLED_APPS'.
        autodiscover_modules("subscriptions")
