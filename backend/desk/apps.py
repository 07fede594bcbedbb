from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "backend.desk"
    label = "desk"
    verbose_name = "Web pages"
