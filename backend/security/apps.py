from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "backend.security"
    label = "security"
    verbose_name = "Security 安全"

    def ready(self) -> None:
        from backend.security import signin  # noqa: F401 - connects the sign-in signals
