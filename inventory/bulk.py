"""Fast inserts for importers and discovery.

On PostgreSQL, ``insert`` reserves primary keys from the table's sequence and streams the rows
with COPY, which is several times faster than INSERT for tens of thousands of rows. Elsewhere it
falls back to ``bulk_create``. Either way the instances get their primary keys, no signals are
sent (callers write the change log themselves) and it joins the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router


def insert(model: type[models.Model], objs: Sequence[models.Model], batch_size: int = 2000) -> None:
    if not objs:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._default_manager.using(alias).bulk_create(objs, batch_size=batch_size)
        return

    meta = model._meta
    fields = list(meta.concrete_fields)
    pk = meta.pk
    with connection.cursor() as cursor:
        if isinstance(pk, models.AutoField | models.BigAutoField):
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(objs)],
            )
            for obj, (new_id,) in zip(objs, cursor.fetchall(), strict=True):
                setattr(obj, pk.attname, new_id)
        for field in fields:
            # Python-side defaults (e.g. timezone.now) that bulk_create would have applied.
            if field.has_default() and not field.primary_key:
                for obj in objs:
                    if getattr(obj, field.attname) is None and not field.null:
                        setattr(obj, field.attname, field.get_default())
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(meta.db_table)
        preparers = [(f.attname, f.get_db_prep_save) for f in fields]
        raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
        # Raise Django's IntegrityError & co., as bulk_create would, not psycopg's own.
        with connection.wrap_database_errors, raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([prep(getattr(obj, attname), connection) for attname, prep in preparers])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def update(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str],
           batch_size: int = 1000) -> None:
    """Write ``fields`` of already saved ``objs`` back to the database, without signals.

    On PostgreSQL the new values are streamed with COPY into a temporary table and applied with
    one ``UPDATE ... FROM``; elsewhere ``bulk_update`` is used. Give only the fields that changed:
    the fewer, the faster."""
    if not objs or not fields:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        model._default_manager.using(alias).bulk_update(objs, fields, batch_size=batch_size)
        return

    meta = model._meta
    pk = meta.pk
    targets = [meta.get_field(name) for name in fields]
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    temp = qn(f"werterhalt_update_{meta.db_table}")
    columns = [pk, *targets]
    column_list = ", ".join(qn(f.column) for f in columns)
    assignments = ", ".join(f"{qn(f.column)} = src.{qn(f.column)}" for f in targets)
    preparers = [(f.attname, f.get_db_prep_save) for f in columns]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        # Identifiers only, from the model and quoted; values go through COPY.
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {column_list} FROM {table} "  # noqa: S608
                       "WITH NO DATA")
        raw = cursor.cursor
        with connection.wrap_database_errors, raw.copy(f"COPY {temp} ({column_list}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([prep(getattr(obj, attname), connection) for attname, prep in preparers])
        cursor.execute(f"UPDATE {table} AS dst SET {assignments} FROM {temp} AS src "  # noqa: S608
                       f"WHERE dst.{qn(pk.column)} = src.{qn(pk.column)}")
        cursor.execute(f"DROP TABLE {temp}")
