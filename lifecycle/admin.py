"""Admin for the lifecycle catalogue, contracts and policies (planners edit them)."""

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from inventory import admin as inventory_admin
from inventory.models import Asset
from lifecycle import assess, labels
from lifecycle.choices import Coverage, Risk, SupportStatus
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from werterhalt.admin import ChangeLoggedAdmin


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


# --- lifecycle on every asset ----------------------------------------------------------------------
# The inventory does not know the lifecycle app (it never imports it), so the lifecycle app extends
# the asset admin here, explicitly: the asset page gains its contracts and a lifecycle panel.


class ContractInline(admin.TabularInline):
    model = Contract.assets.through
    extra = 0
    verbose_name = _("contract")
    verbose_name_plural = _("contracts")
    autocomplete_fields = ["contract"]


class LifecycleAssetAdmin(inventory_admin.AssetAdmin):
    inlines = [*inventory_admin.AssetAdmin.inlines, ContractInline]
    readonly_fields = [*inventory_admin.AssetAdmin.readonly_fields, "lifecycle_panel"]
    fieldsets = [*inventory_admin.AssetAdmin.fieldsets, (_("Lifecycle"), {"fields": ["lifecycle_panel"]})]

    @admin.display(description=_("lifecycle today"))
    def lifecycle_panel(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        at = timezone.localdate()
        ev, item = assess.assess(obj, at)
        sample = (
            obj.hardware_model_id
            and HardwareNotice.objects.filter(hardware_models=obj.hardware_model_id, sample=True).exists()
        )
        rows = [
            (_("Hardware support"), SupportStatus(ev.hardware).label, SupportStatus.color(ev.hardware)),
            (
                _("Software support"),
                f"{SupportStatus(ev.software).label}" + (f" (cycle {item.cycle})" if item.cycle else ""),
                SupportStatus.color(ev.software),
            ),
            (_("Contract"), Coverage(ev.coverage).label, Coverage.color(ev.coverage)),
            (_("Risk"), Risk(ev.risk).label, Risk.color(ev.risk)),
            (_("Age"), f"{ev.age} years" if ev.age is not None else "—", ""),
            (_("Replace by"), f"{ev.replacement_due or '—'} ({labels.reason_of(ev)})", ""),
            (_("Book value"), f"CHF {ev.book_value}" if ev.book_value is not None else "—", ""),
            *((_("Finding"), f, "warning") for f in ev.findings),
        ]
        body = format_html_join(
            "",
            "<tr><th>{}</th><td class='{}'>{}</td></tr>",
            ((label, f"lifecycle-{color}" if color else "", value) for label, value, color in rows),
        )
        note = (
            format_html("<p><em>{}</em></p>", _("Sample lifecycle data (demo), not the vendor's."))
            if sample
            else ""
        )
        return format_html(
            "<table class='lifecycle'>{}</table>{}<p>{}</p>",
            body,
            note,
            _("Policy: %(life)s years of service, %(dep)s years of depreciation, out of support at %(m)s.")
            % {
                "life": item.policy.service_life_years,
                "dep": item.policy.depreciation_years,
                "m": item.policy.out_of_support.replace("_", " "),
            },
        )


admin.site.unregister(Asset)
admin.site.register(Asset, LifecycleAssetAdmin)


# --- strategic monitoring (issue #16) ---------------------------------------------------------------

from lifecycle.models import KpiSnapshot, KpiTarget  # noqa: E402 - this block's own, kept at its top


@admin.register(KpiTarget)
class KpiTargetAdmin(ChangeLoggedAdmin):
    list_display = ["kpi", "org_unit", "direction", "value", "tolerance"]
    list_filter = ["kpi", "direction"]
    search_fields = ["org_unit__name"]
    autocomplete_fields = ["org_unit"]


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(admin.ModelAdmin):
    """Read-only: snapshots are written by ``manage.py snapshot``."""

    list_display = ["at", "org_unit", "assets_in_use", "hw_out_share", "sw_out_share", "backlog_cost",
                    "replacement_value", "backfilled"]
    list_filter = ["backfilled", "at"]
    search_fields = ["org_unit__name"]
    date_hierarchy = "at"
    list_select_related = ["org_unit"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
