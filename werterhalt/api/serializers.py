"""The base of every model serializer: ``url``, ``display``, a brief form, and the model's own
validation (``clean()`` and constraints) answered as 400 with the field named."""

import copy

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import CheckConstraint, Q
from rest_framework import serializers
from rest_framework.settings import api_settings

from werterhalt.api.fields import detail_view_name


def _q_fields(node) -> set[str]:
    """The model fields a Q condition names (``purchase_cost__gte`` -> ``purchase_cost``)."""
    if isinstance(node, Q):
        return set().union(*(_q_fields(child) for child in node.children)) if node.children else set()
    if isinstance(node, tuple):
        return {node[0].split("__")[0]}
    return set()


def constraint_field(constraint) -> str:
    """Where an error of ``constraint`` belongs: the last field of a unique constraint (the one
    that collides: serial, number, name), the one field a check names, else non_field_errors."""
    fields = getattr(constraint, "fields", ())
    if fields:
        return fields[-1]
    if isinstance(constraint, CheckConstraint):
        named = _q_fields(constraint.condition)
        if len(named) == 1:
            return named.pop()
    return api_settings.NON_FIELD_ERRORS_KEY


def _drf_errors(exc: DjangoValidationError) -> dict:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    key = api_settings.NON_FIELD_ERRORS_KEY
    return {key if field == NON_FIELD_ERRORS else field: msgs for field, msgs in errors.items()}


class BaseModelSerializer(serializers.ModelSerializer):
    # Subclasses list Meta.brief_fields: what ?brief=1 and nested references show. (A comment,
    # not a docstring: drf-spectacular would give it to every component as its description.)

    display = serializers.SerializerMethodField()
    full_clean = True  # validate with the model's clean() and constraints
    is_brief = False

    def get_display(self, obj) -> str:
        return str(obj)

    def build_url_field(self, field_name, model_class):
        namespace = getattr(self.Meta, "api_namespace", None)
        return self.serializer_url_field, {"view_name": detail_view_name(model_class, namespace)}

    @classmethod
    def brief_class(cls) -> type["BaseModelSerializer"]:
        """The same serializer with only ``Meta.brief_fields`` (component ``Brief<Name>``)."""
        if cls.is_brief:
            return cls
        if "_brief" not in cls.__dict__:
            meta = type("Meta", (cls.Meta,), {"fields": cls.Meta.brief_fields})
            cls._brief = type(f"Brief{cls.__name__}", (cls,),
                              {"Meta": meta, "is_brief": True, "__module__": cls.__module__})
        return cls.__dict__["_brief"]

    def get_unique_together_validators(self):
        # the model's constraints are checked in validate(), so that errors name a field
        return []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not self.full_clean:
            return attrs
        model = self.Meta.model
        m2m = {f.name for f in model._meta.many_to_many}
        plain = {k: v for k, v in attrs.items() if k not in m2m}
        if self.instance is None:
            instance = model(**plain)
        else:
            instance = copy.copy(self.instance)
            for name, value in plain.items():
                setattr(instance, name, value)
        try:
            instance.full_clean(validate_constraints=False)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_drf_errors(exc)) from None
        errors: dict[str, list[str]] = {}
        for model_class, constraints in instance.get_constraints():
            for constraint in constraints:
                try:
                    constraint.validate(model_class, instance)
                except DjangoValidationError as exc:
                    errors.setdefault(constraint_field(constraint), []).extend(exc.messages)
        if errors:
            raise serializers.ValidationError(errors)
        # keep what clean() normalised (stripped serials, de-duplicated aliases, ...)
        return {**attrs, **{name: getattr(instance, name) for name in plain}}


class BriefUserSerializer(serializers.ModelSerializer):
    """A user as other objects refer to it (there is no user endpoint)."""

    display = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "display"]
        read_only_fields = fields

    def get_display(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()
