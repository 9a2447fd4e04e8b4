"""Fast inserts for importers and discovery.

On PostgreSQL, ``insert`` reserves primary keys from the table's sequence and streams the rows
with COPY, which is several times faster than INSERT for tens of thousands of rows. Elsewhere it
falls back to ``bulk_create``. Either way the instances get their primary keys, no signals are
sent (callers write the change log themselves) and it joins the caller's transaction.

``insert_rows`` and ``update_rows`` do the same for plain tuples of values, for writers that hold
their rows as tuples and need no model instances (the CSV import: 100,000 instances cost seconds).

Values are prepared for the database column by column: a column whose values are all of the
type the field stores unchanged on PostgreSQL (``str`` in a ``CharField``, ``int`` in an integer
field or a foreign key to one, ``date``, finite ``Decimal``, ``bool``, ``UUID``, aware ``datetime``,
``dict``/``list`` in a ``JSONField`` without encoder) is passed to COPY as it is; any other value
goes through the field's ``get_db_prep_save``, as ``bulk_create`` would do.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import json
import operator
import uuid
from collections.abc import Iterable, Sequence

from django.db import connections, models, router
from psycopg.copy import QueuedLibpqWriter

try:
    from json.encoder import c_encode_basestring_ascii as _json_str  # what json.dumps uses
except ImportError:  # pragma: no cover - CPython has it
    from json.encoder import py_encode_basestring_ascii as _json_str

COPY_CHUNK = 5000  # rows prepared at a time while COPY streams

_NONE = type(None)
_STR = frozenset({str})

# Field classes (exactly these, not subclasses, which may prepare values their own way) whose
# get_db_prep_save returns a value of these types unchanged on PostgreSQL.
_AS_IS: dict[type[models.Field], frozenset[type]] = {
    models.CharField: _STR,
    models.TextField: _STR,
    models.SlugField: _STR,
    models.AutoField: frozenset({int}),
    models.BigAutoField: frozenset({int}),
    models.SmallAutoField: frozenset({int}),
    models.IntegerField: frozenset({int}),
    models.BigIntegerField: frozenset({int}),
    models.SmallIntegerField: frozenset({int}),
    models.PositiveIntegerField: frozenset({int}),
    models.PositiveBigIntegerField: frozenset({int}),
    models.PositiveSmallIntegerField: frozenset({int}),
    models.BooleanField: frozenset({bool}),
    models.DateField: frozenset({dt.date}),
    models.UUIDField: frozenset({uuid.UUID}),
}


def _as_is_types(field: models.Field) -> frozenset[type]:
    if type(field) is models.ForeignKey:
        return _as_is_types(field.target_field)
    return _AS_IS.get(type(field), frozenset())


def _column_for_copy(field: models.Field, values: Sequence, connection) -> Sequence:
    """``values`` of one column as COPY should get them (see the module's docstring)."""
    types = set(map(type, values))
    types.discard(_NONE)
    as_is = _as_is_types(field)
    if types <= as_is or as_is == _STR and all(issubclass(t, str) for t in types):
        # (a CharField's get_prep_value returns any str as it is, TextChoices members too)
        return values
    prep = field.get_db_prep_save
    if type(field) is models.DateTimeField and types == {dt.datetime}:
        # aware ones as they are; a naive one is made aware (with Django's warning)
        return [v if v is None or v.tzinfo is not None else prep(v, connection) for v in values]
    if type(field) is models.DecimalField and types == {decimal.Decimal}:
        # to_python refuses NaN and infinities
        return [v if v is None or v.is_finite() else prep(v, connection) for v in values]
    if type(field) is models.GenericIPAddressField and types == {str}:
        # get_prep_value keeps an IPv4 address as it is; "" is NULL, IPv6 is normalised
        return [v if v and ":" not in v else prep(v, connection) for v in values]
    if type(field) is models.JSONField and field.encoder is None and types <= {dict, list}:
        return json_texts(values)  # what Django's Jsonb adapter dumps, without an adapter per value
    return [prep(v, connection) for v in values]


def json_texts(values: Sequence) -> list[str | None]:
    """``[None if v is None else json.dumps(v) for v in values]``, the same texts, faster when
    the values are dicts with the same keys (snapshots): the keys are written once, the values
    column by column."""
    dicts = [v for v in values if v is not None]
    keys = {tuple(d) for d in dicts} if all(type(d) is dict for d in dicts) else ()
    if len(keys) != 1 or not all(type(k) is str for k in next(iter(keys))):
        return [None if v is None else json.dumps(v) for v in values]
    names = next(iter(keys))
    if not names:
        return [None if v is None else "{}" for v in values]
    template = "{" + ", ".join(_json_str(k).replace("%", "%%") + ": %s" for k in names) + "}"
    get = operator.itemgetter(*names)
    rows = map(get, dicts) if len(names) > 1 else ((get(d),) for d in dicts)
    columns = map(_json_column, zip(*rows, strict=True))
    texts = iter([template % row for row in zip(*columns, strict=True)])
    return [None if v is None else next(texts) for v in values]


def _json_column(values: Sequence) -> Sequence[str]:
    """``json.dumps`` of each value, the common types in bulk."""
    types = set(map(type, values))
    if types == {str}:
        return list(map(_json_str, values))
    if types == {_NONE}:
        return ["null"] * len(values)
    if types == {int}:
        return list(map(int.__repr__, values))
    if types <= {_NONE, str}:
        return ["null" if v is None else _json_str(v) for v in values]
    if types <= {_NONE, int}:
        return ["null" if v is None else int.__repr__(v) for v in values]
    if types <= {_NONE, bool}:
        return ["null" if v is None else "true" if v else "false" for v in values]
    if types == {list} and all(type(item) is str for v in values for item in v):
        return ["[" + ", ".join(map(_json_str, v)) + "]" for v in values]
    return list(map(json.dumps, values))


def _copy_rows(connection, fields: Sequence[models.Field], rows: Sequence[Sequence]):
    """The rows with every column prepared for COPY (a list of tuples)."""
    if not rows:
        return []
    columns = [_column_for_copy(f, column, connection)
               for f, column in zip(fields, zip(*rows, strict=True), strict=True)]
    return list(zip(*columns, strict=True))


def uses_copy(model: type[models.Model]) -> bool:
    """Do inserts of ``model`` go through COPY (PostgreSQL)?"""
    return connections[router.db_for_write(model)].vendor == "postgresql"


def for_copy(model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence]) -> list | None:
    """``rows`` (tuples of values for ``attnames``) prepared as COPY sends them, for
    ``insert_rows(..., ready=True)``: to prepare them ahead, e.g. in another thread while the
    connection is busy. Uses no database. None where inserts do not go through COPY (SQLite)."""
    if not uses_copy(model):
        return None
    connection = connections[router.db_for_write(model)]
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return _copy_rows(connection, [by_attname[name] for name in attnames], rows)


def _copy(connection, cursor, table: str, fields: Sequence[models.Field], rows: Iterable[Sequence],
          chunk: int = COPY_CHUNK, names: Sequence[str] | None = None, ready: bool = False) -> None:
    """COPY ``rows`` into ``table``, preparing them ``chunk`` rows at a time while the database
    is still busy with the ones sent before (and so is ``rows``, when it is a generator). Values
    are prepared for ``fields`` (unless ``ready``: ``for_copy`` did); ``names`` are the table's
    columns if not the fields' own."""
    qn = connection.ops.quote_name
    columns = ", ".join(qn(name) for name in (names or [f.column for f in fields]))
    raw = cursor.cursor  # the psycopg cursor behind Django's wrapper
    rows = iter(rows)
    # A thread sends what is ready while this one prepares the next rows: COPY takes as long as
    # the slower of the two, not both.
    writer = QueuedLibpqWriter(raw)
    # Raise Django's IntegrityError & co., as bulk_create would, not psycopg's own.
    with connection.wrap_database_errors, \
            raw.copy(f"COPY {table} ({columns}) FROM STDIN", writer=writer) as copy:
        write = copy.write_row
        while batch := list(itertools.islice(rows, chunk)):
            for row in batch if ready else _copy_rows(connection, fields, batch):
                write(row)


def _reserve_ids(cursor, meta, count: int) -> list[int] | range:
    """``count`` new primary keys from the table's sequence. Usually they are consecutive (no
    other writer took numbers meanwhile): then only the first and last travel, not every one."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
    (sequence,) = cursor.fetchone()  # looked up once: per row it costs 3 µs, 0.3 s per 100,000
    cursor.execute(
        "WITH taken AS (SELECT nextval(%s::regclass) AS id FROM generate_series(1, %s)) "
        "SELECT min(id), max(id), CASE WHEN max(id) - min(id) + 1 = count(*) THEN NULL "
        "ELSE array_agg(id ORDER BY id) END FROM taken",
        [sequence, count],
    )
    first, last, scattered = cursor.fetchone()
    if first is None:
        return []
    return range(first, last + 1) if scattered is None else list(scattered)


def reserve_ids(model: type[models.Model], count: int) -> list[int] | None:
    """``count`` new primary keys of ``model`` taken from its sequence, to write rows with
    ``insert_rows`` whose keys are known before (e.g. to make their change log meanwhile). None
    where keys cannot be taken ahead (SQLite): the rows are numbered as they are written."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or not _auto_pk(model._meta):
        return None
    with connection.cursor() as cursor:
        return list(_reserve_ids(cursor, model._meta, count)) if count else []


def _auto_pk(meta) -> bool:
    return isinstance(meta.pk, models.AutoField | models.BigAutoField | models.SmallAutoField)


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
        if _auto_pk(meta):
            for obj, new_id in zip(objs, _reserve_ids(cursor, meta, len(objs)), strict=True):
                setattr(obj, pk.attname, new_id)
        for field in fields:
            # Python-side defaults (e.g. timezone.now) that bulk_create would have applied.
            if field.has_default() and not field.primary_key:
                for obj in objs:
                    if getattr(obj, field.attname) is None and not field.null:
                        setattr(obj, field.attname, field.get_default())
        _copy(connection, cursor, connection.ops.quote_name(meta.db_table), fields,
              (tuple(getattr(obj, f.attname) for f in fields) for obj in objs))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias


def insert_rows(model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence],
                batch_size: int = 2000, returning: bool = True, ready: bool = False) -> list:
    """Insert ``rows`` (tuples of values for ``attnames``, in that order, without the primary
    key when it is an auto field) and return their primary keys, in order. No defaults are
    applied: give every column a value. No signals.

    With ``returning=False`` the database numbers the rows itself (in their order) and nothing
    is returned; ``rows`` may then be a generator, consumed while the rows are written.
    ``ready``: the rows come from ``for_copy`` (PostgreSQL only)."""
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        model._default_manager.using(alias).bulk_create(objs, batch_size=batch_size)
        return [obj.pk for obj in objs] if returning else []

    by_attname = {f.attname: f for f in meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    table = connection.ops.quote_name(meta.db_table)
    auto = _auto_pk(meta) and meta.pk not in fields
    if not returning and auto:
        with connection.cursor() as cursor:
            _copy(connection, cursor, table, fields, rows, ready=ready)
        return []
    if ready:
        raise ValueError("ready rows: only with returning=False and an auto primary key")
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return []
    with connection.cursor() as cursor:
        if auto:
            pks = _reserve_ids(cursor, meta, len(rows))
            fields = [meta.pk, *fields]
            rows = ((pk, *row) for pk, row in zip(pks, rows, strict=True))
        else:
            index = fields.index(meta.pk)
            pks = [row[index] for row in rows]
        _copy(connection, cursor, table, fields, rows)
    return list(pks) if returning else []


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
    attnames = [meta.get_field(name).attname for name in fields]
    update_rows(model, attnames,
                [(obj.pk, *(getattr(obj, a) for a in attnames)) for obj in objs])


def update_rows(model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence],
                batch_size: int = 1000,
                unless_changed: tuple[Sequence[str], Sequence[Sequence]] | None = None) -> list:
    """Like ``update`` for plain tuples: each row is ``(pk, *values of attnames)``.

    ``unless_changed=(check_attnames, olds)`` makes it optimistic: a row is updated (and locked)
    only while its ``check_attnames`` still hold the values of its ``olds`` row (one per row, in
    the same order; what was read before deciding on the update); returns the primary keys of
    the rows left alone because they changed or were deleted meanwhile. On PostgreSQL the
    database compares, in the same ``UPDATE``: no second pass over the rows to lock them first.
    Without ``unless_changed`` it returns ``[]``. With no ``attnames`` it only checks and locks."""
    if not rows or not (attnames or unless_changed):
        return []
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    targets = [by_attname[a] for a in attnames]
    checks = [by_attname[a] for a in unless_changed[0]] if unless_changed else []
    if connection.vendor != "postgresql":
        stale = set()
        if unless_changed:
            stale = _changed_rows(model, alias, [row[0] for row in rows], unless_changed)
        objs = []
        for pk, *values in rows:
            if pk in stale:
                continue
            obj = model(pk=pk)
            for attname, value in zip(attnames, values, strict=True):
                setattr(obj, attname, value)
            objs.append(obj)
        if targets:
            model._default_manager.using(alias).bulk_update(objs, [f.name for f in targets],
                                                            batch_size=batch_size)
        return [row[0] for row in rows if row[0] in stale]

    pk = meta.pk
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    temp = qn(f"werterhalt_update_{meta.db_table}")
    olds = [f"werterhalt_old_{i}" for i in range(len(checks))]
    select = ", ".join([qn(f.column) for f in [pk, *targets]]
                       + [f"{qn(f.column)} AS {qn(old)}" for f, old in zip(checks, olds, strict=True)])
    assignments = ", ".join(f"{qn(f.column)} = src.{qn(f.column)}" for f in targets)
    where = f"dst.{qn(pk.column)} = src.{qn(pk.column)}"
    if checks:
        where += (" AND (" + ", ".join(f"dst.{qn(f.column)}" for f in checks) + ") IS NOT DISTINCT FROM ("
                  + ", ".join(f"src.{qn(old)}" for old in olds) + ")")
    pks = [row[0] for row in rows]
    if unless_changed:
        rows = ((*row, *old) for row, old in zip(rows, unless_changed[1], strict=True))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        # Identifiers only, from the model and quoted; values go through COPY.
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {select} FROM {table} "  # noqa: S608
                       "WITH NO DATA")
        _copy(connection, cursor, temp, [pk, *targets, *checks], rows,
              names=[pk.column, *(f.column for f in targets), *olds])
        returning = f" RETURNING dst.{qn(pk.column)}" if unless_changed else ""
        if targets:
            cursor.execute(f"UPDATE {table} AS dst SET {assignments} FROM {temp} AS src "  # noqa: S608
                           f"WHERE {where}{returning}")
        else:
            cursor.execute(f"SELECT dst.{qn(pk.column)} FROM {table} AS dst JOIN {temp} AS src "  # noqa: S608
                           f"ON {where} FOR UPDATE OF dst")
        done = {key for (key,) in cursor.fetchall()} if unless_changed else set()
        cursor.execute(f"DROP TABLE {temp}")
    return [key for key in pks if key not in done] if unless_changed else []


def _changed_rows(model, alias: str, pks: list, unless_changed) -> set:
    """The pks whose ``unless_changed`` attributes no longer hold the expected values (or that
    are gone), compared in Python, the rows locked where the database can."""
    attnames, olds = unless_changed
    expected = dict(zip(pks, (tuple(old) for old in olds), strict=True))
    found = set()
    stale = set()
    for start in range(0, len(pks), 5000):
        chunk = pks[start:start + 5000]
        current = model._base_manager.using(alias).select_for_update().filter(
            pk__in=chunk).values_list("pk", *attnames)
        for pk, *values in current:
            found.add(pk)
            if tuple(values) != expected[pk]:
                stale.add(pk)
    return stale | (set(pks) - found)
