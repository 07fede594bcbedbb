from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "backend.backups"
    label = "backups"
    verbose_name = "Backups 备份"
