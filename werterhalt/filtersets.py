"""The base of every filter set: a free-text ``q`` and ``id``; shared by the UI and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BaseFilterSet(django_filters.FilterSet):
    """Subclasses name the fields ``q`` searches in ``search_fields`` (``icontains`` each)."""

    search_fields: tuple[str, ...] = ("name",)

    q = django_filters.CharFilter(method="search", label=_("Search"))
    id = django_filters.BaseInFilter(field_name="id", label=_("ID"))

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)


def multiple_choice(field_name: str, choices, label) -> django_filters.MultipleChoiceFilter:
    return django_filters.MultipleChoiceFilter(field_name=field_name, choices=choices, label=label)
