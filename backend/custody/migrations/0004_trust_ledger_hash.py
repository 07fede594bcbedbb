"""The ledger records its hash once, when it is created (issue 13: SM3 for the chains).

A database migrated for the first time records ``CUSTOS_LEDGER_HASH``; one that already
holds events records ``sha256``, the hash its chains were written with. Nothing changes the
row afterwards: the startup checks refuse a setting that disagrees with it.
"""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def record(apps, schema_editor):
    Ledger = apps.get_model("custody", "Ledger")
    CustodyEvent = apps.get_model("custody", "CustodyEvent")
    db = schema_editor.connection.alias
    chosen = "sha256" if CustodyEvent.objects.using(db).exists() else settings.CUSTOS_LEDGER_HASH
    Ledger.objects.using(db).create(id=1, hash=chosen, created_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("custody", "0003_signed_checkpoints"),
    ]

    operations = [
        migrations.CreateModel(
            name="Ledger",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("hash", models.CharField(max_length=8)),
                ("created_at", models.DateTimeField()),
            ],
            options={
                "db_table": "custody_ledger",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="ledger_one_row")
                ],
            },
        ),
        migrations.RunPython(record, migrations.RunPython.noop),
    ]
