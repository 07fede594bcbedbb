from django.apps import AppConfig


class InspectionConfig(AppConfig):
    name = "backend.inspection"
    label = "inspection"
    default_auto_field = "django.db.models.BigAutoField"
