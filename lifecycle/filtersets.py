"""Filters of the lifecycle lists (UI and API)."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.choices import HardwareCategory
from inventory.models import Asset, HardwareModel, OrgUnit, Platform
from lifecycle.choices import ContractKind, SupportMilestone
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from werterhalt.filtersets import BaseFilterSet, IdsFilter, fk_filter, multiple_choice, slug_filter


class HardwareNoticeFilterSet(BaseFilterSet):
    search_fields = ("bulletin", "hardware_models__model", "source")
    hardware_model_id = IdsFilter(
        field_name="hardware_models", queryset=HardwareModel.objects.all(), label=_("Hardware model"))
    support_ends_before = django_filters.DateFilter(
        field_name="last_date_of_support", lookup_expr="lt", label=_("Last date of support before"))
    sample = django_filters.BooleanFilter(label=_("Sample data"))

    class Meta:
        model = HardwareNotice
        fields = ["id", "bulletin"]

    def search(self, queryset, name, value):
        return super().search(queryset, name, value).distinct()


class SoftwareReleaseFilterSet(BaseFilterSet):
    search_fields = ("cycle", "latest_version", "platform__name")
    platform_id = fk_filter(queryset=Platform.objects.all(),
        label=_("Platform"))
    platform = slug_filter("platform", Platform.objects.all(), _("Platform (slug)"))
    lts = django_filters.BooleanFilter(label=_("Long-term support"))

    class Meta:
        model = SoftwareRelease
        fields = ["id", "cycle"]


class ContractFilterSet(BaseFilterSet):
    search_fields = ("provider", "number", "service_level", "comments")
    kind = multiple_choice("kind", ContractKind.choices, _("Kind"))
    state = django_filters.ChoiceFilter(
        method="filter_state", label=_("State"),
        choices=[("running", _("Running")), ("expiring", _("Expiring within its notice period")),
                 ("expired", _("Expired")), ("future", _("Not started yet"))],
        help_text=_("On today's date, as lifecycle.rules.contract_state decides it; running includes "
                    "expiring."))
    asset_id = IdsFilter(field_name="assets", queryset=Asset.objects.all(), label=_("Asset"))
    ends_before = django_filters.DateFilter(field_name="end", lookup_expr="lt", label=_("Ends before"))

    class Meta:
        model = Contract
        fields = ["id", "provider", "number"]

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        states = {"running", "expiring"} if value == "running" else {value}  # running: in force
        return queryset.in_state(states, today)


class LifecyclePolicyFilterSet(BaseFilterSet):
    search_fields = ("category", "org_unit__name")
    category = multiple_choice("category", HardwareCategory.choices, _("Category"))
    org_unit_id = fk_filter(
        field_name="org_unit", queryset=OrgUnit.objects.all(), label=_("Organisational unit"))
    out_of_support = multiple_choice("out_of_support", SupportMilestone.choices, _("Out of support at"))

    class Meta:
        model = LifecyclePolicy
        fields = ["id"]
