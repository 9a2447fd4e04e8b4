"""Inventory pages. The asset page itself is added in werterhalt/urls.py (it combines apps)."""

from django.urls import path

from inventory import models
from inventory import views as v
from werterhalt.generic import crud_urls

app_name = "inventory"

urlpatterns = [
    path("assets/import/", v.AssetImportView.as_view(), name="asset_import"),
    *crud_urls(
        "assets",
        models.Asset,
        list=v.AssetListView,
        add=v.AssetEditView,
        edit=v.AssetEditView,
        delete=v.AssetDeleteView,
        bulk_edit=v.AssetBulkEditView,
        bulk_delete=v.AssetBulkDeleteView,
    ),
    *crud_urls(
        "modules",
        models.Module,
        list=v.ModuleListView,
        detail=v.ModuleView,
        add=v.ModuleEditView,
        edit=v.ModuleEditView,
        delete=v.ModuleDeleteView,
        bulk_delete=v.ModuleBulkDeleteView,
    ),
    *crud_urls(
        "sites",
        models.Site,
        list=v.SiteListView,
        detail=v.SiteView,
        add=v.SiteEditView,
        edit=v.SiteEditView,
        delete=v.SiteDeleteView,
        bulk_delete=v.SiteBulkDeleteView,
    ),
    *crud_urls(
        "org-units",
        models.OrgUnit,
        list=v.OrgUnitListView,
        detail=v.OrgUnitView,
        add=v.OrgUnitEditView,
        edit=v.OrgUnitEditView,
        delete=v.OrgUnitDeleteView,
        bulk_delete=v.OrgUnitBulkDeleteView,
    ),
    *crud_urls(
        "manufacturers",
        models.Manufacturer,
        list=v.ManufacturerListView,
        detail=v.ManufacturerView,
        add=v.ManufacturerEditView,
        edit=v.ManufacturerEditView,
        delete=v.ManufacturerDeleteView,
    ),
    *crud_urls(
        "hardware-models",
        models.HardwareModel,
        list=v.HardwareModelListView,
        detail=v.HardwareModelView,
        add=v.HardwareModelEditView,
        edit=v.HardwareModelEditView,
        delete=v.HardwareModelDeleteView,
        bulk_delete=v.HardwareModelBulkDeleteView,
    ),
    *crud_urls(
        "platforms",
        models.Platform,
        list=v.PlatformListView,
        detail=v.PlatformView,
        add=v.PlatformEditView,
        edit=v.PlatformEditView,
        delete=v.PlatformDeleteView,
    ),
    *crud_urls(
        "tags",
        models.Tag,
        list=v.TagListView,
        detail=v.TagView,
        add=v.TagEditView,
        edit=v.TagEditView,
        delete=v.TagDeleteView,
    ),
    *crud_urls("changes", models.ObjectChange, list=v.ObjectChangeListView, detail=v.ObjectChangeView),
]
