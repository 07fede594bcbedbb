from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "backend.meetings"
    label = "meetings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Models are loaded only now; custody asks the meeting's rules through its hooks.
        from backend.custody import hooks
        from backend.meetings.checks import (
            meeting_scans_check,
            unreturned_end,
            unreturned_open_sql,
        )

        hooks.on_scan_check(meeting_scans_check)
        hooks.on_condition_ended(
            hooks.ConditionWatch(ended=unreturned_end, open_sql=unreturned_open_sql())
        )
