"""What the registry subscribes to (imported once by ``CoreConfig.ready()``)."""

from django.db.models.signals import post_delete, post_save

from backend.registry.models import Device, Location, Person, Token
from backend.registry.token_cache import tokens_forget

# A write to what a token's row carries empties this process's kept rows.
for model in (Token, Person, Device, Location):
    post_save.connect(tokens_forget, sender=model, dispatch_uid=f"tokens_forget_{model}")
    post_delete.connect(tokens_forget, sender=model, dispatch_uid=f"tokens_del_{model}")
