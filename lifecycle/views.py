"""Lifecycle pages: notices, releases, contracts, policies."""

from django.db.models import Count

from inventory.models import Asset
from inventory.tables import AssetTable
from lifecycle import filtersets, forms, rules, tables
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from werterhalt import generic

ASSETS = Asset.objects.select_related(
    "manufacturer", "hardware_model", "platform", "site", "org_unit", "lifecycle"
)


def _asset_table(request, assets):
    table = AssetTable(assets, request=request, exclude=("pk",))
    generic.configure_table(request, table, {"per_page": 25})
    return table


class HardwareNoticeListView(generic.ObjectListView):
    queryset = HardwareNotice.objects.select_related("replacement_model").prefetch_related("hardware_models")
    filterset = filtersets.HardwareNoticeFilterSet
    table = tables.HardwareNoticeTable


class HardwareNoticeView(generic.ObjectView):
    queryset = HardwareNotice.objects.select_related("replacement_model__manufacturer")

    def get_extra_context(self, request, obj):
        models = obj.hardware_models.select_related("manufacturer").annotate(asset_count=Count("assets"))
        return {
            "hardware_models": models,
            "asset_table": _asset_table(request, ASSETS.filter(hardware_model__notices=obj)),
        }


class HardwareNoticeEditView(generic.ObjectEditView):
    queryset = HardwareNotice.objects.all()
    form = forms.HardwareNoticeForm


class HardwareNoticeDeleteView(generic.ObjectDeleteView):
    queryset = HardwareNotice.objects.all()


class SoftwareReleaseListView(generic.ObjectListView):
    queryset = SoftwareRelease.objects.select_related("platform")
    filterset = filtersets.SoftwareReleaseFilterSet
    table = tables.SoftwareReleaseTable


class SoftwareReleaseView(generic.ObjectView):
    queryset = SoftwareRelease.objects.select_related("platform")

    def get_extra_context(self, request, obj):
        # which of the platform's running versions belong to this cycle (few distinct versions)
        cycles = list(obj.platform.releases.values_list("cycle", flat=True))
        versions = set(Asset.objects.filter(platform=obj.platform).values_list("software_version", flat=True))
        mine = [v for v in versions if rules.match_cycle(v, cycles) == obj.cycle]
        assets = ASSETS.filter(platform=obj.platform, software_version__in=mine)
        return {"versions": sorted(mine), "asset_table": _asset_table(request, assets)}


class SoftwareReleaseEditView(generic.ObjectEditView):
    queryset = SoftwareRelease.objects.all()
    form = forms.SoftwareReleaseForm


class SoftwareReleaseDeleteView(generic.ObjectDeleteView):
    queryset = SoftwareRelease.objects.all()


class ContractListView(generic.ObjectListView):
    queryset = Contract.objects.annotate(asset_count=Count("assets"))
    filterset = filtersets.ContractFilterSet
    table = tables.ContractTable
    filter_hidden = ("id", "asset_id")


class ContractView(generic.ObjectView):
    queryset = Contract.objects.all()

    def get_extra_context(self, request, obj):
        return {
            "asset_table": _asset_table(request, ASSETS.filter(contracts=obj)),
            "asset_count": obj.assets.count(),
        }


class ContractEditView(generic.ObjectEditView):
    queryset = Contract.objects.all()
    form = forms.ContractForm


class ContractDeleteView(generic.ObjectDeleteView):
    queryset = Contract.objects.all()


class ContractBulkDeleteView(generic.BulkDeleteView):
    queryset = Contract.objects.all()


class LifecyclePolicyListView(generic.ObjectListView):
    queryset = LifecyclePolicy.objects.select_related("org_unit")
    filterset = filtersets.LifecyclePolicyFilterSet
    table = tables.LifecyclePolicyTable


class LifecyclePolicyView(generic.ObjectView):
    queryset = LifecyclePolicy.objects.select_related("org_unit")


class LifecyclePolicyEditView(generic.ObjectEditView):
    queryset = LifecyclePolicy.objects.all()
    form = forms.LifecyclePolicyForm


class LifecyclePolicyDeleteView(generic.ObjectDeleteView):
    queryset = LifecyclePolicy.objects.all()
