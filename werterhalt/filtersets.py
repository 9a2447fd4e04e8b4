"""The base of every filter set: a free-text ``q`` and ``id``; shared by the UI and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from inventory import scopes
from werterhalt.forms import MAX_ID, BoundedIdsMixin

__all__ = ["MAX_ID", "BaseFilterSet", "IdsFilter", "fk_filter", "multiple_choice", "slug_filter"]


class IdInFilter(django_filters.BaseInFilter):
    """``?id=3,4`` (or ``?id=3&id=4`` in the API): whole numbers 1 … 2⁶³−1 only; anything else
    is a 400 naming ``id``, not a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class BaseFilterSet(django_filters.FilterSet):
    """Subclasses name the fields ``q`` searches in ``search_fields`` (``icontains`` each)."""

    search_fields: tuple[str, ...] = ("name",)

    q = django_filters.CharFilter(method="search", label=_("Search"))
    id = IdInFilter(field_name="id", label=_("ID"))

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # the choices of a scoped user: nobody picks, or reads the name of, a unit, site or
        # asset outside their scope (inventory.scopes)
        if request is not None and getattr(request, "user", None) is not None:
            scope = scopes.scope_of(request)
            if not scope.everything:
                for field in self.filters.values():
                    # django-filter keeps a model choice filter's query set as ``queryset``
                    queryset = getattr(field, "queryset", None)
                    if hasattr(queryset, "restrict"):
                        field.queryset = queryset.restrict(scope)

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)


def multiple_choice(field_name: str, choices, label) -> django_filters.MultipleChoiceFilter:
    # distinct=False: these follow foreign keys and one-to-ones only, which cannot repeat a row;
    # SELECT DISTINCT over every column of 100,000 assets doubles the cost of a filtered list
    return django_filters.MultipleChoiceFilter(
        field_name=field_name, choices=choices, label=label, distinct=False
    )


class _IdsField(BoundedIdsMixin, django_filters.fields.ModelMultipleChoiceField):
    """Primary keys that are not whole numbers 1 … 2⁶³−1 are refused before the query."""


class IdsFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = _IdsField


def fk_filter(queryset, label, **kwargs) -> django_filters.ModelMultipleChoiceFilter:
    """A foreign key by id (``?site_id=3&site_id=4``), without DISTINCT (cannot repeat a row)."""
    return IdsFilter(queryset=queryset, label=label, distinct=False, **kwargs)


def slug_filter(
    field: str, queryset, label, distinct: bool = False
) -> django_filters.ModelMultipleChoiceFilter:
    """Filter a foreign key (or many-to-many) by the related object's slug: ``?site=town-hall``.
    The API schema is told that it takes strings (it cannot follow ``field__slug`` itself).
    ``distinct`` only for many-to-many fields, where a row could match twice."""
    return extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelMultipleChoiceFilter(
            field_name=f"{field}__slug",
            queryset=queryset,
            to_field_name="slug",
            label=label,
            distinct=distinct,
        )
    )
