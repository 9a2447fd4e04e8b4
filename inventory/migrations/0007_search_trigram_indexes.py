"""Trigram indexes for the search box on PostgreSQL (pg_trgm): ``name``/``serial`` contain a
term, case-insensitively, without reading every asset. Django's ``icontains`` compares
``UPPER(col::text) LIKE UPPER('%term%')``, so the indexes are on those expressions. Other
databases (SQLite, the embedded default) skip this migration: they scan, which is fine at
their size."""

from django.db import migrations

INDEXES = {
    "asset_name_trgm": 'CREATE INDEX IF NOT EXISTS asset_name_trgm ON inventory_asset '
                       'USING gin (UPPER("name"::text) gin_trgm_ops)',
    "asset_serial_trgm": 'CREATE INDEX IF NOT EXISTS asset_serial_trgm ON inventory_asset '
                         'USING gin (UPPER("serial"::text) gin_trgm_ops)',
    "asset_tag_upper": 'CREATE INDEX IF NOT EXISTS asset_tag_upper ON inventory_asset (UPPER("asset_tag"::text))',
    "asset_serial_upper": 'CREATE INDEX IF NOT EXISTS asset_serial_upper ON inventory_asset '
                          '(UPPER("serial"::text))',
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for sql in INDEXES.values():
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("inventory", "0006_list_indexes")]

    operations = [migrations.RunPython(create, drop)]
