from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "backend.security"
    label = "security"
    verbose_name = "Security 安全"

    def ready(self) -> None:
        # Imported here, not at the top: apps.py loads before the models do. Both modules
        # connect receivers on import (docs/architecture.md, the hook list).
        from backend.security import (
            receivers,  # noqa: F401 - writes the access log for hooks.carriers_read
            signin,  # noqa: F401 - connects the sign-in signals
        )
