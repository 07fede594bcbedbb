"""PostgreSQL triggers that refuse UPDATE and DELETE on the ledger's tables.

The model layer refuses them too, but anyone with SQL access could still edit a row; the
trigger stops that short of ``ALTER TABLE … DISABLE TRIGGER`` (a superuser act that leaves
the hash chain to tell). TRUNCATE is refused by a statement-level trigger unless the
session has set ``custos.allow_truncate`` — only the test suite does, so that Django can
empty its test database between transactional tests. SQLite, the embedded default, gets a
``RAISE(ABORT)`` trigger on UPDATE; DELETE there is refused by the model (Django's test
flush deletes rows) and found by ``custos verify``.
"""

from django.db import migrations

TABLES = ["custody_event", "custody_refusal", "custody_checkpoint", "custody_checkpoint_head"]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION custos_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('custos.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'custos: % is append-only; % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)  # its % are not placeholders
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
        schema_editor.execute("DROP FUNCTION IF EXISTS custos_refuse_change()")
    elif conn.vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")


class Migration(migrations.Migration):
    dependencies = [("custody", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
