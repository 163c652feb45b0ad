"""Prefix-search indexes that the ORM cannot declare for both databases.

PostgreSQL: ``LIKE 'x%'`` uses a b-tree index only with ``varchar_pattern_ops`` (or the C
collation), so name, street and compound get pattern-ops indexes. On SQLite the selectors
search prefixes with a range (``name >= 'x' AND name < 'x\U0010ffff'``) on the plain indexes.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS customer_name_prefix_idx"
    " ON customers_customer (name varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS customer_street_prefix_idx"
    " ON customers_customer (street varchar_pattern_ops, building)",
    "CREATE INDEX IF NOT EXISTS customer_compound_prefix_idx"
    " ON customers_customer (compound varchar_pattern_ops, building)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS customer_name_prefix_idx",
    "DROP INDEX IF EXISTS customer_street_prefix_idx",
    "DROP INDEX IF EXISTS customer_compound_prefix_idx",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customer_360")]

    operations = [migrations.RunPython(_run(POSTGRES_FORWARD), _run(POSTGRES_BACKWARD))]
