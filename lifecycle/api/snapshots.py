"""``/api/lifecycle/snapshots/``: the strategic monitoring's snapshots, read-only (they are written
by ``manage.py snapshot``). Filters: ``org_unit`` (ids), ``city=true`` (only the whole city's
rows; ``false``: only units'), ``at``, ``at__gte``, ``at__lte``; ``ordering``. Money as numbers,
shares in percent (0–100)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from inventory.api.serializers import OrgUnitSerializer
from inventory.models import OrgUnit
from lifecycle import monitoring
from lifecycle.models import KpiSnapshot
from werterhalt.api.fields import NestedField
from werterhalt.api.serializers import BaseModelSerializer
from werterhalt.api.viewsets import ReadOnlyModelViewSet
from werterhalt.filtersets import BaseFilterSet, fk_filter
from werterhalt.forms import DayField

MONEY_FIELDS = ("backlog_cost", "due_1y_cost", "due_3y_cost", "due_5y_cost", "book_value",
                "replacement_value")


def _money():
    return serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=False, read_only=True)


class KpiSnapshotSerializer(BaseModelSerializer):
    org_unit = NestedField(OrgUnitSerializer, read_only=True, allow_null=True)
    backlog_cost = _money()
    due_1y_cost = _money()
    due_3y_cost = _money()
    due_5y_cost = _money()
    book_value = _money()
    replacement_value = _money()

    class Meta:
        model = KpiSnapshot
        fields = ["id", "url", "display", "at", "org_unit", "backfilled", "computed", "assets_in_use",
                  "hw_out_count", "hw_out_share", "hw_out_value_share", "sw_out_count", "sw_out_share",
                  "sw_out_value_share", "no_contract_count", "no_contract_share", "backlog_count",
                  *MONEY_FIELDS, "average_age", "risk_low", "risk_medium", "risk_high", "risk_critical",
                  "not_seen_30d"]
        read_only_fields = fields
        brief_fields = ["id", "url", "display", "at", "org_unit"]


class DayFilter(django_filters.DateFilter):
    """A date within the days the app evaluates (``werterhalt.forms.DayField``): year 0 or 10000
    is a 400 naming the parameter, not a database error."""

    field_class = DayField


class KpiSnapshotFilterSet(BaseFilterSet):
    search_fields = ("org_unit__name",)
    org_unit = fk_filter(queryset=OrgUnit.objects.all(), label=_("Organisational unit"),
                         field_name="org_unit")
    city = django_filters.ChoiceFilter(
        method="filter_city", label=_("Whole city"), choices=[("true", "true"), ("false", "false")],
        help_text=_("true: only the whole city's snapshots; false: only those of org units."),
    )
    at = DayFilter(field_name="at", label=_("Date"))
    at__gte = DayFilter(field_name="at", lookup_expr="gte", label=_("From"))
    at__lte = DayFilter(field_name="at", lookup_expr="lte", label=_("Until"))

    class Meta:
        model = KpiSnapshot
        fields = ["id"]

    def filter_city(self, queryset, name, value):
        return queryset.filter(org_unit__isnull=value == "true")


class KpiSnapshotViewSet(ReadOnlyModelViewSet):
    """The monitoring's snapshots: one row per day and org unit (its subtree), or the whole city
    (``org_unit`` null)."""

    queryset = KpiSnapshot.objects.none()  # the router's basename and the schema's model
    serializer_class = KpiSnapshotSerializer
    filterset_class = KpiSnapshotFilterSet
    ordering = ["-at", "org_unit__name", "pk"]

    def get_queryset(self):
        # which rows this request may see: lifecycle.monitoring.visible (org-unit scoping)
        return monitoring.visible(self.request).snapshots.select_related("org_unit")
