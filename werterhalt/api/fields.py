"""Fields of the API: related objects read nested, written by primary key."""

from django.utils.module_loading import import_string
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

from inventory import scopes
from werterhalt.forms import MAX_ID

# the URL namespace of each app's endpoints (see werterhalt/api/urls.py)
NAMESPACES = {"inventory": "inventory-api", "lifecycle": "lifecycle-api", "collectors": "discovery-api"}


def detail_view_name(model, namespace: str | None = None) -> str:
    namespace = namespace or NAMESPACES[model._meta.app_label]
    return f"{namespace}:{model._meta.model_name}-detail"


class NestedField(serializers.PrimaryKeyRelatedField):
    """Reads as the related object's brief representation (``{"id", "url", "display", ...}``);
    writes take its primary key (``3``) or an object with it (``{"id": 3}``). With ``lookup``,
    a string is looked up in that field instead (tags by name). ``serializer`` is the related
    model's serializer class, or its dotted path for a model that refers to itself (then give
    ``queryset`` as well)."""

    default_error_messages = {
        "no_id": "Give the primary key, or an object with an “id”.",
        "not_found": "No {model} with {field} “{value}”.",
    }

    def __init__(self, serializer, lookup: str | None = None, **kwargs):
        self._serializer = serializer
        self.lookup = lookup
        if not kwargs.get("read_only") and "queryset" not in kwargs:
            kwargs["queryset"] = serializer.Meta.model.objects.all()
        super().__init__(**kwargs)

    @property
    def serializer(self):
        if isinstance(self._serializer, str):
            self._serializer = import_string(self._serializer)
        return self._serializer

    def use_pk_only_optimization(self) -> bool:
        return False  # the brief representation needs the object

    def _scope(self):
        request = self.context.get("request") if self.root is not None else None
        return scopes.scope_of(request) if request is not None else scopes.EVERYTHING

    def _anchor(self) -> bool:
        """Is this the relation that places the object in a scope (an asset's org unit, a
        module's asset)? Then a value outside the scope is the model's to refuse (403 naming the
        scope); every other relation only offers what the scope may see."""
        node, name = self.parent, self.field_name
        if isinstance(node, serializers.ManyRelatedField):
            node, name = node.parent, node.field_name
        model = getattr(getattr(node, "Meta", None), "model", None)
        return name in getattr(model, "scope_anchors", ())

    def get_queryset(self):
        queryset = super().get_queryset()
        if queryset is None or not hasattr(queryset, "restrict") or self._anchor():
            return queryset
        return queryset.restrict(self._scope())

    def to_internal_value(self, data):
        if isinstance(data, dict):
            if self.lookup and "id" not in data and self.lookup in data:
                data = str(data[self.lookup])
            elif "id" not in data:
                self.fail("no_id")
            else:
                data = data["id"]
        if self.lookup and isinstance(data, str):
            try:
                return self.get_queryset().get(**{self.lookup: data})
            except self.get_queryset().model.DoesNotExist:
                model = self.get_queryset().model._meta.verbose_name
                self.fail("not_found", model=model, field=self.lookup, value=data)
        # a key out of range is "does not exist", not a database error (SQLite cannot bind it)
        if isinstance(data, bool) or not str(data).strip().isdigit() or not 1 <= int(str(data)) <= MAX_ID:
            if isinstance(data, int | str) and not isinstance(data, bool):
                self.fail("does_not_exist", pk_value=data)
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)

    def to_representation(self, value):
        if not scopes.shows(self._scope(), value):
            return None  # an org unit or asset outside the caller's scope: not named
        # one brief serializer per field, reused for every row: building one per related object
        # per row cost more than the rest of a 100-row page together
        brief = getattr(self, "_brief", None)
        if brief is None:
            brief = self._brief = self.serializer.brief_class()(context=self.context)
        return brief.to_representation(value)

    def get_choices(self, cutoff=None):
        # the browsable API's <select>: keyed by primary key (a nested dict cannot be a key)
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {obj.pk: self.display_value(obj) for obj in queryset}


class NestedFieldSchema(OpenApiSerializerFieldExtension):
    """Responses: the brief component (``BriefSite``); requests: the primary key."""

    target_class = NestedField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return auto_schema.resolve_serializer(self.target.serializer.brief_class(), direction).ref
        pk = build_basic_type(OpenApiTypes.INT)
        if self.target.lookup:
            return {"oneOf": [pk, build_basic_type(OpenApiTypes.STR)],
                    "description": f"Primary key or {self.target.lookup}"}
        return pk
