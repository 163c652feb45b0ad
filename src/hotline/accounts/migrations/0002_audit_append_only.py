"""Make the audit log append-only in the database itself, not only in the ORM.

UPDATE is refused on both databases. DELETE of single rows is refused on PostgreSQL (a
maintenance TRUNCATE by the database owner stays possible); on SQLite the ORM refuses it,
because the test runner's flush deletes rows.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE TRIGGER IF NOT EXISTS accounts_auditentry_no_update
       BEFORE UPDATE ON accounts_auditentry
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS accounts_auditentry_no_update"]

POSTGRES_FORWARD = [
    """CREATE OR REPLACE FUNCTION accounts_auditentry_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER accounts_auditentry_no_change
       BEFORE UPDATE OR DELETE ON accounts_auditentry
       FOR EACH ROW EXECUTE FUNCTION accounts_auditentry_append_only()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditentry_no_change ON accounts_auditentry",
    "DROP FUNCTION IF EXISTS accounts_auditentry_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
