"""Filters of the discovery lists (UI and API)."""

import datetime as dt

import django_filters
from django.utils.translation import gettext_lazy as _

from collectors.choices import HostOutcome, HostReason, RunStatus, RunTrigger, ShardStatus
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule, DiscoveryShard
from werterhalt.filtersets import MAX_ID, BaseFilterSet, fk_filter, multiple_choice


class DiscoveryScheduleFilterSet(BaseFilterSet):
    search_fields = ("name", "description", "cron", "inventory_folder", "asset_filter", "last_message")
    enabled = django_filters.BooleanFilter(label=_("Enabled"))

    class Meta:
        model = DiscoverySchedule
        fields = ["id", "enabled"]


class DiscoveryRunFilterSet(BaseFilterSet):
    search_fields = ("source", "message")
    status = multiple_choice("status", RunStatus.choices, _("Status"))
    schedule_id = fk_filter(queryset=DiscoverySchedule.objects.all(), label=_("Schedule"))
    trigger = multiple_choice("trigger", RunTrigger.choices, _("Trigger"))
    since = django_filters.IsoDateTimeFilter(method="filter_since", label=_("Started since"))
    has_failures = django_filters.BooleanFilter(method="filter_failures", label=_("Has failed hosts"))

    class Meta:
        model = DiscoveryRun
        fields = ["id", "crawl"]

    def filter_since(self, queryset, name, value):
        """Runs started at or after ``value``, compared in UTC: PostgreSQL refuses offsets past
        ±15:59 that ISO 8601 allows (``+20:27``), and a moment before year 1 or after 9999 in UTC
        is before or after every run."""
        try:
            value = value.astimezone(dt.UTC)
        except OverflowError:
            return queryset if value.year < 5000 else queryset.none()
        return queryset.filter(started__gte=value)

    def filter_failures(self, queryset, name, value):
        return queryset.filter(hosts_failed__gt=0) if value else queryset.filter(hosts_failed=0)


class DiscoveryShardFilterSet(BaseFilterSet):
    search_fields = ("worker", "message")
    run_id = fk_filter(queryset=DiscoveryRun.objects.all(), label=_("Run"))
    status = multiple_choice("status", ShardStatus.choices, _("Status"))

    class Meta:
        model = DiscoveryShard
        fields = ["id", "worker"]


class DiscoveryHostFilterSet(BaseFilterSet):
    search_fields = ("name", "address", "message")
    run_id = fk_filter(queryset=DiscoveryRun.objects.all(), label=_("Run"))
    asset_id = django_filters.NumberFilter(
        field_name="asset_id", label=_("Asset"), min_value=1, max_value=MAX_ID)
    outcome = multiple_choice("outcome", HostOutcome.choices, _("Outcome"))
    reason = multiple_choice("reason", HostReason.choices, _("Reason"))

    class Meta:
        model = DiscoveryHost
        fields = ["id", "driver", "depth"]
