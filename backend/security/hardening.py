"""Production settings that refuse to start, and the headers every answer carries.

``refuse_unsafe_production`` runs at the end of backend/settings.py, before anything
serves a request: with ``CUSTOS_ENV=production`` a forgotten ``CUSTOS_DEBUG=1``, the
development secret key or an empty host list stops the process with a sentence saying
which. The embedded default (``make run``) is development and unaffected.
No Django import here: settings.py imports this module while settings load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotations only: Django is not set up while settings load
    from django.http import HttpRequest, HttpResponseBase

# No inline script anywhere (the pages load their code from /static/); no inline style
# either. ``frame-ancestors 'none'`` is X-Frame-Options DENY for browsers that read CSP.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The interactive API docs (ninja's bundled Swagger UI) set styles from script; their
# script still comes only from /static/.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
)


class UnsafeProductionSettings(Exception):
    """Raised at settings load; the message lists every problem, in both languages."""


def production_problems(
    *, debug: bool, secret_key: str, default_key: str, allowed_hosts: list[str]
) -> list[str]:
    problems = []
    if debug:
        problems.append("DEBUG is on (CUSTOS_DEBUG) · 生产环境不得开启调试")
    if not secret_key or secret_key == default_key or len(secret_key) < 32:
        problems.append(
            "CUSTOS_SECRET_KEY is the development default, empty or shorter than 32 "
            "characters · 密钥为默认值或过短"
        )
    if not [h for h in allowed_hosts if h.strip()]:
        problems.append("CUSTOS_ALLOWED_HOSTS is empty · 未设置允许的主机名")
    return problems


def refuse_unsafe_production(
    *,
    env: str,
    debug: bool,
    secret_key: str,
    default_key: str,
    allowed_hosts: list[str],
) -> None:
    if env != "production":
        return
    problems = production_problems(
        debug=debug, secret_key=secret_key, default_key=default_key, allowed_hosts=allowed_hosts
    )
    if problems:
        raise UnsafeProductionSettings(
            "Custos refuses to start in production · 拒绝以不安全配置启动: " + "; ".join(problems)
        )


class SecurityHeadersMiddleware:
    """Content-Security-Policy on every answer (Django's SecurityMiddleware and
    XFrameOptionsMiddleware add nosniff, Referrer-Policy, HSTS over TLS and DENY)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            docs = request.path.startswith("/api/") and request.path.rstrip("/").endswith("/docs")
            response["Content-Security-Policy"] = (
                DOCS_CONTENT_SECURITY_POLICY if docs else CONTENT_SECURITY_POLICY
            )
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        return response
