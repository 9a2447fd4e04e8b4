"""Admin for the lifecycle catalogue, contracts and policies (planners edit them)."""

from django.contrib import admin

from inventory.admin import ChangeLoggedAdmin
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease


@admin.register(HardwareNotice)
class HardwareNoticeAdmin(ChangeLoggedAdmin):
    list_display = [
        "__str__",
        "end_of_sale",
        "end_of_sw_maintenance",
        "end_of_security_support",
        "last_date_of_support",
        "replacement_model",
        "sample",
    ]
    list_filter = ["sample", "hardware_models__manufacturer"]
    search_fields = ["bulletin", "source", "hardware_models__model", "hardware_models__name"]
    autocomplete_fields = ["hardware_models", "replacement_model"]
    date_hierarchy = "last_date_of_support"


@admin.register(SoftwareRelease)
class SoftwareReleaseAdmin(ChangeLoggedAdmin):
    list_display = [
        "platform",
        "cycle",
        "release_date",
        "end_of_maintenance",
        "end_of_security_support",
        "end_of_life",
        "lts",
        "latest_version",
        "sample",
    ]
    list_filter = ["platform", "lts", "sample"]
    search_fields = ["cycle", "latest_version", "platform__name"]


@admin.register(Contract)
class ContractAdmin(ChangeLoggedAdmin):
    list_display = [
        "provider",
        "number",
        "kind",
        "service_level",
        "start",
        "end",
        "yearly_cost",
        "notice_days",
    ]
    list_filter = ["kind", "provider"]
    search_fields = ["provider", "number", "assets__name", "assets__serial"]
    autocomplete_fields = ["assets"]
    date_hierarchy = "end"


@admin.register(LifecyclePolicy)
class LifecyclePolicyAdmin(ChangeLoggedAdmin):
    list_display = [
        "__str__",
        "category",
        "org_unit",
        "service_life_years",
        "depreciation_years",
        "out_of_support",
        "warn_months",
    ]
    list_filter = ["category", "out_of_support"]
    autocomplete_fields = ["org_unit"]
