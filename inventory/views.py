"""Inventory pages: thin declarations over werterhalt.generic; the asset page, which combines
the inventory with lifecycle and discovery, lives in werterhalt/views.py (inventory does not
import the apps above it)."""

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import assets_csv, filtersets, forms, scopes, tables
from inventory.models import (
    Asset,
    HardwareModel,
    Manufacturer,
    Module,
    ObjectChange,
    OrgUnit,
    Platform,
    Site,
    Tag,
)
from lifecycle import figures
from lifecycle.choices import SupportStatus
from werterhalt import generic

# --- assets ---------------------------------------------------------------------------------------


class AssetListView(generic.ObjectListView):
    queryset = Asset.objects.for_lists()
    filterset = filtersets.AssetFilterSet
    table = tables.AssetTable
    import_url_name = "inventory:asset_import"
    filter_hidden = ("id", "serial", "asset_tag", "name")

    @staticmethod
    def export_csv(out, queryset):
        """The import's own column format, so an export can be edited and imported again."""
        assets_csv.export_csv(out, queryset.prefetch_related("tags"))


class AssetEditView(generic.ObjectEditView):
    queryset = Asset.objects.all()
    form = forms.AssetForm


class AssetDeleteView(generic.ObjectDeleteView):
    queryset = Asset.objects.all()


class AssetBulkEditView(generic.BulkEditView):
    queryset = Asset.objects.all()
    form = forms.AssetBulkEditForm


class AssetBulkDeleteView(generic.BulkDeleteView):
    queryset = Asset.objects.all()


class AssetImportView(generic.ModelPermissionMixin, generic.View):
    """CSV import with the row-by-row error report; all or nothing."""

    queryset = Asset.objects.all()

    def get_permission_required(self):
        return ["inventory.add_asset", "inventory.change_asset"]

    def get(self, request):
        return self.page(request, forms.AssetImportForm())

    def post(self, request):
        form = forms.AssetImportForm(request.POST, request.FILES)
        errors = result = None
        if form.is_valid():
            name = request.FILES["file"].name
            dry_run = form.cleaned_data["dry_run"]
            try:
                result = assets_csv.import_csv(
                    form.cleaned_data["file"],
                    actor_name=f"import {name} by {request.user}",
                    user=request.user,
                    dry_run=dry_run,
                    scope=scopes.scope_of(request),
                )
            except assets_csv.ImportFailed as exc:
                errors = exc.errors
            else:
                if not dry_run:
                    messages.success(
                        request,
                        _(
                            "Imported %(file)s: %(created)d created, %(updated)d updated, "
                            "%(unchanged)d unchanged."
                        )
                        % {"file": name, **result},
                    )
                    return redirect(reverse("inventory:asset_list"))
        return self.page(request, form, errors, result)

    def page(self, request, form, errors=None, result=None):
        return render(
            request,
            "inventory/asset_import.html",
            {"form": form, "errors": errors, "summary": result, "columns": assets_csv.COLUMNS},
        )


# --- modules --------------------------------------------------------------------------------------


class ModuleListView(generic.ObjectListView):
    queryset = Module.objects.select_related("asset")
    filterset = filtersets.ModuleFilterSet
    table = tables.ModuleTable
    filter_hidden = ("id", "asset_id")  # 100,000 options: filter by asset from the asset's page


class ModuleView(generic.ObjectView):
    queryset = Module.objects.select_related("asset", "hardware_model")


class ModuleEditView(generic.ObjectEditView):
    queryset = Module.objects.all()
    form = forms.ModuleForm


class ModuleDeleteView(generic.ObjectDeleteView):
    queryset = Module.objects.all()


class ModuleBulkDeleteView(generic.BulkDeleteView):
    queryset = Module.objects.all()


# --- sites and org units --------------------------------------------------------------------------


class SiteListView(generic.ObjectListView):
    queryset = Site.objects.select_related("org_unit")
    filterset = filtersets.SiteFilterSet
    table = tables.SiteTable

    def get_queryset(self, request):
        return figures.annotate(super().get_queryset(request), scopes.scope_of(request))


class SiteView(generic.ObjectView):
    queryset = Site.objects.select_related("org_unit")

    def get_extra_context(self, request, obj):
        assets = Asset.objects.for_lists().filter(site=obj)
        return asset_panel_context(request, assets, {"site_id": obj.pk})


class SiteEditView(generic.ObjectEditView):
    queryset = Site.objects.all()
    form = forms.SiteForm


class SiteDeleteView(generic.ObjectDeleteView):
    queryset = Site.objects.all()


class SiteBulkDeleteView(generic.BulkDeleteView):
    queryset = Site.objects.all()


class OrgUnitListView(generic.ObjectListView):
    queryset = OrgUnit.objects.select_related("parent")
    filterset = filtersets.OrgUnitFilterSet
    table = tables.OrgUnitTable

    def get_queryset(self, request):
        # each unit with the units below it, counting the scope's assets
        scope = scopes.scope_of(request)
        return figures.annotate_units(super().get_queryset(request), Asset.objects.restrict(scope))


class OrgUnitView(generic.ObjectView):
    queryset = OrgUnit.objects.select_related("parent").prefetch_related(
        Prefetch("children", queryset=OrgUnit.objects.order_by("name"))
    )

    def get_extra_context(self, request, obj):
        units = filtersets.descendants([obj.pk])
        assets = Asset.objects.for_lists().filter(org_unit__in=units)
        context = asset_panel_context(request, assets, {"org_unit_id": obj.pk}, per="org_unit_id")
        # the units' figures come from the subtree's figures query (``summarize(per=...)``)
        by_unit = figures.by_unit_tree(direct=context["figures"].pop("per"))
        context["children"] = [(c, by_unit.get(c.pk)) for c in obj.children.all()]  # in scope with it
        context["sites"] = obj.sites.all()
        scope = scopes.scope_of(request)
        context["parent_visible"] = obj.parent_id is not None and scope.allows(obj.parent_id)
        return context


class OrgUnitEditView(generic.ObjectEditView):
    queryset = OrgUnit.objects.all()
    form = forms.OrgUnitForm


class OrgUnitDeleteView(generic.ObjectDeleteView):
    queryset = OrgUnit.objects.all()


class OrgUnitBulkDeleteView(generic.BulkDeleteView):
    queryset = OrgUnit.objects.all()


def asset_panel_context(request, assets, filter_params: dict, per: str | None = None) -> dict:
    """Figures of a set of assets and the first page of them, for site and org-unit pages
    (``per``: also the figures per that field, as ``figures["per"]``)."""
    assets = assets.restrict(scopes.scope_of(request))
    table = tables.asset_panel_table(request, assets)
    # counts, values, shares
    report = figures.summarize(timezone.localdate(), assets, dates=False, per=per)
    return {
        "figures": report,
        "asset_table": table,
        "asset_list_query": "&".join(f"{k}={v}" for k, v in filter_params.items()),
        "support": figures.shares(report["hardware"], SupportStatus, report["count"]),
    }


# --- catalogue ------------------------------------------------------------------------------------


class ManufacturerListView(generic.ObjectListView):
    queryset = Manufacturer.objects.all()
    filterset = filtersets.ManufacturerFilterSet
    table = tables.ManufacturerTable

    def get_queryset(self, request):
        in_scope = scopes.scope_of(request).count_filter("assets__org_unit")
        return super().get_queryset(request).annotate(
            model_count=Count("hardware_models", distinct=True),
            asset_count=Count("assets", distinct=True, filter=in_scope),
        )


class ManufacturerView(generic.ObjectView):
    queryset = Manufacturer.objects.all()

    def get_extra_context(self, request, obj):
        scope = scopes.scope_of(request)
        models = obj.hardware_models.annotate(
            asset_count=Count("assets", filter=scope.count_filter("assets__org_unit"))
        ).order_by("model")
        return {"hardware_models": models, "asset_count": obj.assets.restrict(scope).count()}


class ManufacturerEditView(generic.ObjectEditView):
    queryset = Manufacturer.objects.all()
    form = forms.ManufacturerForm


class ManufacturerDeleteView(generic.ObjectDeleteView):
    queryset = Manufacturer.objects.all()


class HardwareModelListView(generic.ObjectListView):
    queryset = HardwareModel.objects.select_related("manufacturer")
    filterset = filtersets.HardwareModelFilterSet
    table = tables.HardwareModelTable

    def get_queryset(self, request):
        in_scope = scopes.scope_of(request).count_filter("assets__org_unit")
        return super().get_queryset(request).annotate(asset_count=Count("assets", filter=in_scope))


class HardwareModelView(generic.ObjectView):
    queryset = HardwareModel.objects.select_related("manufacturer")

    def get_extra_context(self, request, obj):
        context = asset_panel_context(
            request, Asset.objects.for_lists().filter(hardware_model=obj), {"hardware_model_id": obj.pk}
        )
        context["notices"] = obj.notices.select_related("replacement_model").order_by("-updated")
        context["module_count"] = obj.modules.filter(present=True).restrict(scopes.scope_of(request)).count()
        return context


class HardwareModelEditView(generic.ObjectEditView):
    queryset = HardwareModel.objects.all()
    form = forms.HardwareModelForm


class HardwareModelDeleteView(generic.ObjectDeleteView):
    queryset = HardwareModel.objects.all()


class HardwareModelBulkDeleteView(generic.BulkDeleteView):
    queryset = HardwareModel.objects.all()


class PlatformListView(generic.ObjectListView):
    queryset = Platform.objects.select_related("manufacturer")
    filterset = filtersets.PlatformFilterSet
    table = tables.PlatformTable

    def get_queryset(self, request):
        in_scope = scopes.scope_of(request).count_filter("assets__org_unit")
        return super().get_queryset(request).annotate(asset_count=Count("assets", filter=in_scope))


class PlatformView(generic.ObjectView):
    queryset = Platform.objects.select_related("manufacturer")

    def get_extra_context(self, request, obj):
        context = asset_panel_context(
            request, Asset.objects.for_lists().filter(platform=obj), {"platform_id": obj.pk}
        )
        context["releases"] = obj.releases.order_by("-release_date", "-cycle")
        return context


class PlatformEditView(generic.ObjectEditView):
    queryset = Platform.objects.all()
    form = forms.PlatformForm


class PlatformDeleteView(generic.ObjectDeleteView):
    queryset = Platform.objects.all()


class TagListView(generic.ObjectListView):
    queryset = Tag.objects.all()
    filterset = filtersets.TagFilterSet
    table = tables.TagTable


class TagView(generic.ObjectView):
    queryset = Tag.objects.all()

    def get_extra_context(self, request, obj):
        return asset_panel_context(request, Asset.objects.for_lists().filter(tags=obj), {"tag": obj.slug})


class TagEditView(generic.ObjectEditView):
    queryset = Tag.objects.all()
    form = forms.TagForm


class TagDeleteView(generic.ObjectDeleteView):
    queryset = Tag.objects.all()


# --- change log -----------------------------------------------------------------------------------


class ObjectChangeListView(generic.ObjectListView):
    queryset = ObjectChange.objects.select_related("content_type", "user")
    filterset = filtersets.ObjectChangeFilterSet
    table = tables.ObjectChangeTable


class ObjectChangeView(generic.ObjectView):
    queryset = ObjectChange.objects.select_related("content_type", "user")
