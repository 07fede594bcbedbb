"""Writes the web pages need beyond the domain services: signing people in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from backend.errors import ServiceError
from backend.registry.models import Person


@transaction.atomic
def person_set_password(*, person: Person, password: str, check: bool = True) -> None:
    """Give ``person`` a Django user (username = their badge code) and this password.

    The badge code as username lets a clerk scan their own badge into the sign-in form.
    ``check=False`` skips Django's password rules (the demo's short passwords).
    """
    if check:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise ServiceError("invalid", " ".join(exc.messages), {"field": "password"}) from None
    user_model = get_user_model()
    user = person.user
    if user is None:
        user, _ = user_model.objects.get_or_create(username=person.code)
        person.user = user
        person.save(update_fields=["user"])
    user.set_password(password)
    user.is_active = person.active
    user.save(update_fields=["password", "is_active"])
