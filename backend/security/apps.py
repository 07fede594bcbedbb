from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "backend.security"
    label = "security"
    verbose_name = "Security 安全"
