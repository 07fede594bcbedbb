from django.apps import AppConfig


class CarryOutsConfig(AppConfig):
    name = "backend.carryouts"
    label = "carryouts"
    default_auto_field = "django.db.models.BigAutoField"
