"""PostgreSQL triggers that refuse UPDATE, DELETE and TRUNCATE on the access log.

The same function and rules as the ledger's (custody 0002): ``custos_refuse_change()``
raises unless a TRUNCATE comes from the test session. SQLite gets a ``RAISE(ABORT)`` on
UPDATE; DELETE there is refused by the model (Django's test flush deletes rows).
"""

from django.db import migrations

TABLES = ["security_access_record"]


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION custos_refuse_change()"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change()"
            )
    elif conn.vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'custos: {table} is append-only'); END"
            )


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    elif conn.vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")


class Migration(migrations.Migration):
    # custody 0002 creates custos_refuse_change(), which these triggers call.
    dependencies = [("security", "0001_initial"), ("custody", "0002_append_only_triggers")]
    operations = [migrations.RunPython(forwards, backwards)]
