"""The full-text index: an FTS5 table with triggers on SQLite, a tsvector column with a GIN
index on PostgreSQL (see hotline/knowledge/search/backends.py)."""

from django.db import migrations


def install(apps, schema_editor):
    from hotline.knowledge.search.backends import install as install_index

    install_index(schema_editor)


def uninstall(apps, schema_editor):
    from hotline.knowledge.search.backends import install as install_index

    install_index(schema_editor, reverse=True)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_knowledge_base")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
