"""``custos checkpoint``: write today's checkpoint of the chain heads (beat does it daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from backend.custody.checkpoints import checkpoint_create


class Command(BaseCommand):
    help = "Fold the chain heads into today's checkpoint."

    def handle(self, *args: Any, **options: Any) -> None:
        cp = checkpoint_create()
        self.stdout.write(
            f"checkpoint {cp.day}: {cp.carriers} carriers, {cp.events} events, {cp.digest}"
        )
