"""Indexes that find a company by a fragment from the middle of its name ("金科" in
"恒通金科科技有限公司"); see docs/decisions/0011-company-name-fragments.md and
``customers/name_index.py`` (which also puts the SQLite triggers back after a migration that
rebuilds the customers table).

PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13: the database owner may create
it) and a partial GIN trigram index on the names of companies.
SQLite: an FTS5 table with the trigram tokenizer holding the names of companies, kept in step
with the customers table by triggers, so every write path (services, the importer's bulk
insert, the demo loader) keeps it current without knowing it exists.
"""

from django.db import migrations

from hotline.customers.name_index import company_name_index_drop, company_name_index_ensure


def forward(apps, schema_editor):
    company_name_index_ensure(schema_editor.connection)


def backward(apps, schema_editor):
    company_name_index_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("customers", "0009_export_job")]

    operations = [migrations.RunPython(forward, backward)]
