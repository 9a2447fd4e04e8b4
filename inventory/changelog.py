"""Recording the change log.

Every create, update and delete of a tracked model writes an ``ObjectChange`` with the actor
in force: a person (set per request by ``ChangeActorMiddleware``), an API token, an import or
a discovery run (set with ``change_actor(...)``), or "system" when nothing else is set (shell,
migrations). Saves through the ORM are caught by signals; bulk writers (the CSV import, later
discovery) call ``record_changes`` with the snapshots they already hold, because bulk queries
send no signals.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import itertools
import operator
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from inventory.choices import ActorKind, ChangeAction


@dataclass(frozen=True)
class Actor:
    kind: str
    name: str
    user_id: int | None = None
    batch: uuid.UUID = field(default_factory=uuid.uuid4)


_current: ContextVar[Actor | None] = ContextVar("werterhalt_change_actor", default=None)


def current_actor() -> Actor:
    """The actor in force; outside any ``change_actor`` block, "system" (each change its own batch)."""
    return _current.get() or Actor(kind=ActorKind.SYSTEM, name="system")


@contextlib.contextmanager
def change_actor(kind: str, name: str, user=None) -> Iterator[Actor]:
    """Attribute every change made inside the block to this actor (one batch)."""
    actor = Actor(kind=kind, name=name[:200], user_id=getattr(user, "pk", user))
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


# --- snapshots ---------------------------------------------------------------------------------

_TRACKED: dict[type[models.Model], tuple[str, ...]] = {}
_EXCLUDED_FIELDS: dict[type[models.Model], frozenset[str]] = {}


# Values that _jsonable returns as they are.
_AS_JSON = frozenset({type(None), bool, int, float, str})


def _jsonable(value):
    if type(value) in _AS_JSON or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


_FIELD_CACHE: dict[type[models.Model], list[tuple[str, int | None]]] = {}


def _fields(model: type[models.Model]) -> list[tuple[str, int | None]]:
    """(attname, decimal places or None) of the fields a snapshot holds."""
    if model not in _FIELD_CACHE:
        excluded = _EXCLUDED_FIELDS.get(model, frozenset())
        _FIELD_CACHE[model] = [
            (f.attname, f.decimal_places if isinstance(f, models.DecimalField) else None)
            for f in model._meta.concrete_fields if f.attname not in excluded
        ]
    return _FIELD_CACHE[model]


def _as_json(value, places: int | None):
    if places is not None and isinstance(value, decimal.Decimal) and value.is_finite():
        # As the database will hold it: Decimal(7480) and Decimal("7480.00") are one value.
        value = value.quantize(decimal.Decimal(1).scaleb(-places))
    return _jsonable(value)


def _value(instance: models.Model, attname: str, places: int | None):
    return _as_json(getattr(instance, attname), places)


def snapshot(instance: models.Model, m2m: dict[str, list[str]] | None = None) -> dict:
    """The values of ``instance`` as JSON: concrete fields by attname, tracked many-to-many
    relations as sorted lists of names. Pass ``m2m`` when the caller already knows them."""
    data = {name: _value(instance, name, places) for name, places in _fields(type(instance))}
    for rel in _TRACKED.get(type(instance), ()):
        if m2m is not None and rel in m2m:
            data[rel] = sorted(m2m[rel])
        elif instance.pk:
            data[rel] = sorted(str(o) for o in getattr(instance, rel).all())
        else:
            data[rel] = []
    return data


def snapshots(instances: Sequence[models.Model], m2m: Sequence[dict[str, list[str]]]) -> list[dict]:
    """``[snapshot(obj, m2m) for obj, m2m in zip(instances, m2m)]`` for many instances of one
    model, column by column: several times faster for the tens of thousands of a bulk writer.
    Each ``m2m`` must name every tracked relation."""
    if not instances:
        return []
    model = type(instances[0])
    names = [name for name, _ in _fields(model)]
    from_dict = operator.itemgetter(*names)
    from_attrs = operator.attrgetter(*names)

    def values(obj):
        try:
            found = from_dict(obj.__dict__)
        except KeyError:  # a deferred field: loaded through the attribute, as snapshot() does
            found = from_attrs(obj)
        return found if len(names) > 1 else (found,)

    return row_snapshots(model, names, list(map(values, instances)), m2m)


def row_snapshots(model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence],
                  m2m: Sequence[dict[str, list[str]]]) -> list[dict]:
    """``snapshots`` of instances of ``model`` whose ``attnames`` hold the values of ``rows``
    (which must include every field a snapshot holds), without making the instances."""
    if not rows:
        return []
    fields = _fields(model)
    names = [name for name, _ in fields]
    at = {name: i for i, name in enumerate(attnames)}
    all_columns = list(zip(*rows, strict=True))
    columns = [_jsonable_column(all_columns[at[name]], places) for name, places in fields]
    made = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    for rel in _TRACKED.get(model, ()):
        for data, known in zip(made, m2m, strict=True):
            data[rel] = sorted(known[rel])
    return made


def _jsonable_column(column: Sequence, places: int | None) -> Sequence:
    """``[_as_json(v, places) for v in column]``, with the common cases done in bulk."""
    types = set(map(type, column))
    if types <= _AS_JSON:
        return column
    types.discard(type(None))
    if types == {dt.date} or types == {dt.datetime}:
        return [None if v is None else v.isoformat() for v in column]
    if types == {decimal.Decimal} and places is not None:
        step = decimal.Decimal(1).scaleb(-places)
        return [None if v is None else str(v.quantize(step) if v.is_finite() else v) for v in column]
    return [_as_json(v, places) for v in column]


def _change(action: str, instance: models.Model, before: dict | None, after: dict | None,
            actor: Actor, content_type: ContentType | None = None):
    from inventory.models import ObjectChange

    return ObjectChange(
        actor_kind=actor.kind,
        actor=actor.name,
        user_id=actor.user_id,
        batch=actor.batch,
        action=action,
        content_type=content_type or ContentType.objects.get_for_model(instance),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        prechange_data=before,
        postchange_data=after,
    )


def record_changes(
    changes: Iterable[tuple[str, models.Model, dict | None, dict | None]],
    actor: Actor | None = None,
    batch_size: int = 2000,
    stream: bool = False,
) -> int:
    """Write ``(action, instance, before, after)`` changes in bulk; updates whose snapshots are
    equal are skipped. Returns the number of rows written.

    With ``stream=True``, ``changes`` (a generator, say) is consumed while the rows are written,
    so that making the snapshots of some overlaps with the database storing the ones before.
    Making a change (its snapshots, ``str()`` of its instance) must then not use the database,
    and every instance must be of a model the change log tracks."""
    from inventory import bulk
    from inventory.models import ObjectChange

    log = ChangeRows(actor)
    rows = log.rows_of(changes, strict=stream)
    # The database numbers them; the snapshots become JSON while COPY streams.
    bulk.insert_rows(ObjectChange, log.attnames, rows if stream else list(rows),
                     batch_size=batch_size, returning=False)
    return log.count


class ChangeRows:
    """Change-log rows made ahead of writing them. ``make`` uses no database (content types are
    looked up when this is created), so it may run in another thread while the caller's
    connection stores what the rows describe; ``write`` then stores the rows (in the caller's
    thread and transaction). The rows are ``ObjectChange``'s fields as ``ObjectChange(...)``
    would set them — plain tuples: instances would cost more than writing them."""

    _SET_HERE = ["actor_kind", "actor", "user_id", "batch", "action", "content_type_id",
                 "object_id", "object_repr", "prechange_data", "postchange_data"]

    def __init__(self, actor: Actor | None = None):
        from inventory.models import ObjectChange

        self.actor = actor or current_actor()
        defaults = [f for f in ObjectChange._meta.concrete_fields
                    if not f.primary_key and f.attname not in self._SET_HERE]
        self._static = [f.get_default() for f in defaults if not callable(f.default)]
        self._per_row = [f for f in defaults if callable(f.default)]  # time: timezone.now
        self.attnames = ([f.attname for f in defaults if not callable(f.default)]
                         + [f.attname for f in self._per_row] + self._SET_HERE)
        self._ct_ids = {m: ct.pk for m, ct in ContentType.objects.get_for_models(*_TRACKED).items()}
        self.count = 0
        self._rows: list = []
        self._ready = False

    def rows_of(self, changes: Iterable[tuple[str, models.Model, dict | None, dict | None]],
                strict: bool = True) -> Iterator[tuple]:
        """The rows of ``changes`` (equal updates skipped), counted in ``count``. ``strict``: an
        instance of a model the change log does not track is refused (no query)."""
        actor, static, per_row, ct_ids = self.actor, self._static, self._per_row, self._ct_ids
        for action, instance, before, after in changes:
            if action == ChangeAction.UPDATE and before == after:
                continue
            model = type(instance)
            if model not in ct_ids:
                if strict:
                    raise ValueError(f"{model.__name__} is not tracked: its changes cannot be made "
                                     "without a query")
                ct_ids[model] = ContentType.objects.get_for_model(model).pk
            self.count += 1
            yield (*static, *(f.get_default() for f in per_row),
                   actor.kind, actor.name, actor.user_id, actor.batch, action, ct_ids[model],
                   instance.pk, str(instance)[:200], before, after)

    def make(self, changes: Iterable[tuple[str, models.Model, dict | None, dict | None]]) -> None:
        """Make the rows of ``changes`` (no query), on PostgreSQL already as COPY sends them."""
        from inventory import bulk
        from inventory.models import ObjectChange

        rows = self.rows_of(changes)
        self._ready = bulk.uses_copy(ObjectChange)
        if not self._ready:
            self._rows = list(rows)
            return
        made = self._rows = []
        while chunk := list(itertools.islice(rows, bulk.COPY_CHUNK)):  # not all twice in memory
            made.extend(bulk.for_copy(ObjectChange, self.attnames, chunk))

    def write(self) -> int:
        """Store the rows made; returns how many."""
        from inventory import bulk
        from inventory.models import ObjectChange

        bulk.insert_rows(ObjectChange, self.attnames, self._rows, returning=False,
                         ready=self._ready)
        self._rows = []
        return self.count


# --- signal handlers ---------------------------------------------------------------------------

def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        instance._changelog_before = None
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._changelog_before = snapshot(old) if old is not None else None


def _post_save(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    before = None if created else getattr(instance, "_changelog_before", None)
    after = snapshot(instance)
    if before is not None and update_fields is not None:
        # Only these fields were written; the rest of the instance may hold unsaved values.
        written = {sender._meta.get_field(name).attname for name in update_fields}
        after = {k: (after[k] if k in written else v) for k, v in before.items()}
    if created or before is None:
        _change(ChangeAction.CREATE, instance, None, after, current_actor()).save()
    elif before != after:
        _change(ChangeAction.UPDATE, instance, before, after, current_actor()).save()
    instance._changelog_before = None


def _pre_delete(sender, instance, **kwargs):
    instance._changelog_before = snapshot(instance)
    # Django sets pk to None after the delete; keep it so that the history can still be found.
    instance._deleted_pk = instance.pk


def _post_delete(sender, instance, **kwargs):
    before = getattr(instance, "_changelog_before", None) or snapshot(instance)
    _change(ChangeAction.DELETE, instance, before, None, current_actor()).save()


def _m2m_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if reverse:
        # tag.assets.add(...): the assets are the objects that change.
        if model not in _TRACKED:
            return
        if action in {"pre_add", "pre_remove", "pre_clear"}:
            if pk_set is not None:
                targets = model._base_manager.filter(pk__in=pk_set)
            else:  # clear(): every object linked to instance through this relation
                rel = next(r for r in _TRACKED[model]
                           if model._meta.get_field(r).remote_field.through is sender)
                targets = model._base_manager.filter(**{rel: instance})
            instance._changelog_m2m_related = _snapshots(model, targets)
        elif action in {"post_add", "post_remove", "post_clear"}:
            _log_updates(model, getattr(instance, "_changelog_m2m_related", {}))
        return
    if type(instance) not in _TRACKED:
        return
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        instance._changelog_m2m_before = snapshot(instance)
    elif action in {"post_add", "post_remove", "post_clear"}:
        before = getattr(instance, "_changelog_m2m_before", None)
        after = snapshot(instance)
        if before is not None and before != after:
            _change(ChangeAction.UPDATE, instance, before, after, current_actor()).save()


def _snapshots(model: type[models.Model], queryset) -> dict[int, tuple[models.Model, dict]]:
    """{pk: (object, snapshot)} of many objects, tracked relations fetched in one query each."""
    return {obj.pk: (obj, snapshot(obj)) for obj in queryset.prefetch_related(*_TRACKED[model])}


def _log_updates(model: type[models.Model], befores: dict[int, tuple[models.Model, dict]]) -> None:
    """Log an update for each object whose snapshot, read afresh, differs from ``befores``."""
    if not befores:
        return
    actor = current_actor()
    for obj_pk, (obj, after) in _snapshots(model, model._base_manager.filter(pk__in=befores)).items():
        before = befores[obj_pk][1]
        if before != after:
            _change(ChangeAction.UPDATE, obj, before, after, actor).save()


def _related_pre_delete(sender, instance, **kwargs):
    # Deleting a tag removes it from assets by cascade, without m2m signals: log those assets.
    instance._changelog_related = [
        (model, _snapshots(model, model._base_manager.filter(**{rel: instance})))
        for model, rels in _TRACKED.items() for rel in rels
        if model._meta.get_field(rel).related_model is sender
    ]


def _related_post_delete(sender, instance, **kwargs):
    for model, befores in getattr(instance, "_changelog_related", []):
        _log_updates(model, befores)


def track(model: type[models.Model], m2m: tuple[str, ...] = (), exclude: tuple[str, ...] = ()):
    """Record every change of ``model`` in the change log."""
    _TRACKED[model] = m2m
    _EXCLUDED_FIELDS[model] = frozenset(exclude)
    _FIELD_CACHE.pop(model, None)
    uid = f"werterhalt-changelog-{model._meta.label_lower}"
    pre_save.connect(_pre_save, sender=model, dispatch_uid=uid)
    post_save.connect(_post_save, sender=model, dispatch_uid=uid)
    pre_delete.connect(_pre_delete, sender=model, dispatch_uid=uid)
    post_delete.connect(_post_delete, sender=model, dispatch_uid=uid)
    for rel in m2m:
        field = model._meta.get_field(rel)
        m2m_changed.connect(_m2m_changed, sender=field.remote_field.through,
                            dispatch_uid=f"{uid}-{rel}")
        related_uid = f"werterhalt-changelog-related-{field.related_model._meta.label_lower}"
        pre_delete.connect(_related_pre_delete, sender=field.related_model, dispatch_uid=related_uid)
        post_delete.connect(_related_post_delete, sender=field.related_model,
                            dispatch_uid=related_uid)
