from django.apps import AppConfig


class CarryOutsConfig(AppConfig):
    name = "backend.carryouts"
    label = "carryouts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Models are loaded only now; custody asks the carry-out rule through its hooks.
        from backend.carryouts.scans import (
            carry_out_events_follow,
            carry_out_scans_check,
            carry_out_scans_due,
        )
        from backend.custody import hooks

        hooks.on_scan_check(carry_out_scans_check)
        hooks.on_scan_due(carry_out_scans_due)
        hooks.on_event_appended(carry_out_events_follow)
