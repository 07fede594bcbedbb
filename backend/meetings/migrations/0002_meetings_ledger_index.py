"""A partial index on the ledger for the events that name a meeting.

Every read of a meeting (the desk's board every two seconds, the close, the record) asks
the ledger for the ``checkout`` events carrying ``"meeting": id``
(``meetings.selectors._issues``, which adds ``payload ? 'meeting'`` so the planner can use
this index). Partial: only those events are in it, so the scan hot path pays nothing for
the others. PostgreSQL only; the embedded SQLite database is small enough to scan.
"""

from django.db import migrations

INDEX = "custody_event_meeting_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON custody_event ((payload -> 'meeting'))"
            " WHERE payload ? 'meeting'"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0001_meetings_initial"),
        ("custody", "0003_signed_checkpoints"),
    ]

    operations = [migrations.RunPython(create, drop)]
