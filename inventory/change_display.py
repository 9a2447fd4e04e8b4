"""The change log as people read it: field labels instead of column names, the names of related
objects instead of their ids, choice labels instead of codes (issue #15: "hardware_model_id: — →
8"). The stored snapshots stay as they are (machine-readable, in the API and exports)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from werterhalt.templatetags.werterhalt import day, money

NOTHING = "—"


def _field(model: type[models.Model] | None, key: str) -> models.Field | None:
    if model is None:
        return None
    meta = model._meta
    try:
        return meta.get_field(key)
    except Exception:  # noqa: BLE001 - FieldDoesNotExist, or a name from an older schema
        return next((f for f in meta.concrete_fields if f.attname == key), None)


def describe(changes: Iterable, scope=None) -> list[tuple[object, list[tuple[str, str, str]]]]:
    """``(change, [(label, before, after), …])`` for each change, with one query per related
    model for the names of every object the changes refer to; an org unit or asset outside
    ``scope`` (an ``inventory.scopes.Scope``; default: none) is not named."""
    from inventory import scopes

    scope = scope if scope is not None else scopes.EVERYTHING
    changes = list(changes)
    prepared = []
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for change in changes:
        model = ContentType.objects.get_for_id(change.content_type_id).model_class()
        rows = []
        for key, (before, after) in change.changed_fields().items():
            field = _field(model, key)
            rows.append((key, field, before, after))
            if isinstance(field, models.ForeignKey):
                wanted[field.related_model].update(v for v in (before, after) if v is not None)
        prepared.append((change, rows))
    names = {
        related: {obj.pk: str(obj) if scopes.shows(scope, obj) else scopes.hidden_text()
                  for obj in related._base_manager.filter(pk__in=list(ids))}
        for related, ids in wanted.items()
    }

    def text(field, value) -> str:
        if value is None or value == "":
            return NOTHING
        if isinstance(field, models.ForeignKey):
            found = names.get(field.related_model, {}).get(value)
            return found if found is not None else _("#%(id)s (deleted)") % {"id": value}
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, list):
            return ", ".join(map(str, value)) or NOTHING
        if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
            with contextlib.suppress(ValueError):  # snapshots hold ISO text
                return day(dt.date.fromisoformat(str(value)))
        if isinstance(field, models.DecimalField):
            return money(value)
        return str(value)

    described = []
    for change, rows in prepared:
        fields = []
        for key, field, before, after in rows:
            shown = text(field, before), text(field, after)
            if shown[0] != shown[1]:  # None → "" is no change to a person
                fields.append((str(capfirst(field.verbose_name)) if field is not None else key, *shown))
        described.append((change, fields))
    return described
