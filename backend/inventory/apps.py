from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "backend.inventory"
    label = "inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Models are loaded only now; custody asks the stocktake rule through its hook.
        from backend.custody import hooks
        from backend.inventory.sightings import stocktake_scans_check

        hooks.on_scan_check(stocktake_scans_check)
