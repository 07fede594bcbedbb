"""Bearer authentication for people and scanner devices."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from backend.registry.principals import Principal
from backend.registry.services import token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        return token_authenticate(token)


def principal_of(request: HttpRequest) -> Principal:
    principal = request.auth  # type: ignore[attr-defined]
    assert isinstance(principal, Principal)  # noqa: S101 - every router requires TokenAuth
    return principal
