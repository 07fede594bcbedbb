from django.apps import AppConfig


class PrintingConfig(AppConfig):
    name = "backend.printing"
    label = "printing"
    verbose_name = "Label printing 标签打印"

    def ready(self) -> None:
        # Registers the bulk print task (a ``shared_task``) in every process that sets up
        # Django — the Celery worker included — without importing ``worker.app`` here,
        # which itself calls ``django.setup()``.
        from backend.printing import tasks  # noqa: F401
