from django.apps import AppConfig


class ClassificationConfig(AppConfig):
    name = "backend.classification"
    label = "classification"
    default_auto_field = "django.db.models.BigAutoField"
