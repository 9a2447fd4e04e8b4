"""Admin for every inventory model: search, filters, the change log as each object's history,
and the CSV import/export of assets."""

import datetime as dt

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from inventory import assets_csv
from inventory.forms import AssetImportForm
from inventory.models import (
    AccessScope,
    Asset,
    HardwareModel,
    Manufacturer,
    Module,
    ObjectChange,
    OrgUnit,
    Platform,
    Site,
    Tag,
    Token,
)
from werterhalt.admin import ChangeLoggedAdmin


@admin.register(OrgUnit)
class OrgUnitAdmin(ChangeLoggedAdmin):
    list_display = ["name", "code", "parent", "slug"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "code"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]


@admin.register(Site)
class SiteAdmin(ChangeLoggedAdmin):
    list_display = ["name", "org_unit", "address"]
    list_filter = [("org_unit", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "address"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["org_unit"]


@admin.register(Manufacturer)
class ManufacturerAdmin(ChangeLoggedAdmin):
    list_display = ["name", "slug", "aliases"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(HardwareModel)
class HardwareModelAdmin(ChangeLoggedAdmin):
    list_display = ["model", "name", "manufacturer", "category", "list_price", "discovered"]
    list_filter = ["category", "discovered", "manufacturer"]
    search_fields = ["model", "name", "aliases", "manufacturer__name"]
    list_select_related = ["manufacturer"]
    autocomplete_fields = ["manufacturer"]


@admin.register(Platform)
class PlatformAdmin(ChangeLoggedAdmin):
    list_display = ["name", "slug", "manufacturer", "napalm_driver"]
    list_filter = ["napalm_driver", "manufacturer"]
    search_fields = ["name", "slug", "napalm_driver"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(ChangeLoggedAdmin):
    list_display = ["name", "slug", "color"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ["name", "part_number", "serial", "description", "hardware_model", "present"]
    autocomplete_fields = ["hardware_model"]


@admin.register(Asset)
class AssetAdmin(ChangeLoggedAdmin):
    list_display = ["name", "serial", "hardware_model", "manufacturer", "site", "org_unit",
                    "status", "software_version", "management_address", "last_seen"]
    list_filter = ["status", "source", "needs_review", "hardware_model__category", "manufacturer",
                   ("site", admin.RelatedOnlyFieldListFilter),
                   ("org_unit", admin.RelatedOnlyFieldListFilter),
                   ("platform", admin.RelatedOnlyFieldListFilter), "tags"]
    search_fields = ["name", "serial", "asset_tag", "hardware_model__model",
                     "hardware_model__name", "management_address"]
    list_select_related = ["hardware_model", "manufacturer", "site", "org_unit"]
    autocomplete_fields = ["hardware_model", "platform", "site", "org_unit", "manufacturer", "replaces"]
    readonly_fields = ["first_seen", "last_seen", "source"]
    filter_horizontal = ["tags"]
    date_hierarchy = "purchase_date"
    inlines = [ModuleInline]
    actions = ["export_selected"]
    change_list_template = "admin/inventory/asset/change_list.html"
    fieldsets = [
        (None, {"fields": ["name", "status", "role", "site", "org_unit", "tags"]}),
        (_("Hardware and software"), {"fields": ["manufacturer", "hardware_model", "serial",
                                                 "asset_tag", "platform", "software_version",
                                                 "management_address"]}),
        (_("Purchase"), {"fields": ["purchase_date", "in_service_date", "purchase_cost",
                                    "warranty_end"]}),
        (_("Discovery"), {"fields": ["source", "first_seen", "last_seen", "replaces", "needs_review",
                                     "review_reason"]}),
        (None, {"fields": ["comments"]}),
    ]

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view),
                 name="inventory_asset_import"),
            path("export/", self.admin_site.admin_view(self.export_view),
                 name="inventory_asset_export"),
            *super().get_urls(),
        ]

    @staticmethod
    def _csv_response(queryset) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = dt.date.today().isoformat()
        response["Content-Disposition"] = f'attachment; filename="assets-{stamp}.csv"'
        assets_csv.export_csv(response, queryset)
        return response

    @admin.action(description=_("Export selected assets as CSV"), permissions=["view"])
    def export_selected(self, request, queryset):
        return self._csv_response(queryset)

    def export_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._csv_response(Asset.objects.all())

    def import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        errors, summary = None, None
        form = AssetImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            name = request.FILES["file"].name
            try:
                summary = assets_csv.import_csv(
                    form.cleaned_data["file"], actor_name=f"import {name} by {request.user}",
                    user=request.user, dry_run=form.cleaned_data["dry_run"],
                )
            except assets_csv.ImportFailed as exc:
                errors = exc.errors
            else:
                if not form.cleaned_data["dry_run"]:
                    messages.success(request, _(
                        "Imported %(file)s: %(created)d created, %(updated)d updated, "
                        "%(unchanged)d unchanged.") % {"file": name, **summary})
                    return redirect(reverse("admin:inventory_asset_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import assets from CSV"),
            "opts": self.model._meta,
            "form": form,
            "errors": errors,
            "summary": summary,
            "columns": assets_csv.COLUMNS,
        }
        return TemplateResponse(request, "admin/inventory/asset/import.html", context)


@admin.register(Module)
class ModuleAdmin(ChangeLoggedAdmin):
    list_display = ["asset", "name", "part_number", "serial", "present"]
    list_filter = ["present"]
    search_fields = ["name", "part_number", "serial", "description", "asset__name"]
    list_select_related = ["asset"]
    autocomplete_fields = ["asset", "hardware_model"]


@admin.register(ObjectChange)
class ObjectChangeAdmin(admin.ModelAdmin):
    list_display = ["time", "action", "content_type", "object_repr", "actor", "actor_kind"]
    list_filter = ["action", "actor_kind", "content_type"]
    search_fields = ["object_repr", "actor"]
    list_select_related = ["content_type"]
    date_hierarchy = "time"
    readonly_fields = [f.name for f in ObjectChange._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- who sees what: users' scopes and their tokens ------------------------------------------------

class AccessScopeInline(admin.StackedInline):
    """On the user's page: the org units the user is limited to (``inventory.scopes``)."""

    model = AccessScope
    can_delete = True
    filter_horizontal = ("org_units",)
    verbose_name_plural = _("access scope (empty: the whole city)")


User = get_user_model()


class ScopedUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, AccessScopeInline]
    list_display = (*UserAdmin.list_display, "limited_to")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("access_scope__org_units")

    @admin.display(description=_("limited to"))
    def limited_to(self, user) -> str:
        scope = getattr(user, "access_scope", None)
        names = [u.name for u in scope.org_units.all()] if scope is not None else []
        return ", ".join(sorted(names)) or "—"


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin):
    """API tokens: who has which, what they may do, where and for which units. Keys are never
    shown (only their hash is stored); tokens are made by their users (Tokens page, API)."""

    list_display = ("prefix", "user", "description", "write_enabled", "expires", "last_used")
    list_filter = ("write_enabled",)
    search_fields = ("prefix", "description", "user__username")
    readonly_fields = ("user", "prefix", "created", "last_used")
    fields = ("user", "prefix", "description", "write_enabled", "expires", "allowed_networks",
              "org_units", "created", "last_used")
    filter_horizontal = ("org_units",)

    def has_add_permission(self, request) -> bool:
        return False
