from django.apps import AppConfig


class PrintingConfig(AppConfig):
    name = "backend.printing"
    label = "printing"
    verbose_name = "Label printing 标签打印"
