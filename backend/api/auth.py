"""Bearer authentication for people and scanner devices."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from backend.registry.principals import Principal, principal_of
from backend.registry.services import token_authenticate

__all__ = ["TokenAuth", "principal_of"]


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Principal | None:
        return token_authenticate(token)
