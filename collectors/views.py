"""Discovery pages: runs and the outcome of each host."""

from collectors import filtersets, tables
from collectors.models import DiscoveryHost, DiscoveryRun
from werterhalt import generic


class DiscoveryRunListView(generic.ObjectListView):
    queryset = DiscoveryRun.objects.all()
    filterset = filtersets.DiscoveryRunFilterSet
    table = tables.DiscoveryRunTable


class DiscoveryRunView(generic.ObjectView):
    queryset = DiscoveryRun.objects.select_related("user")

    def get_extra_context(self, request, obj):
        hosts = obj.hosts.select_related("asset", "run").order_by("outcome", "name")
        table = tables.DiscoveryHostTable(hosts, request=request, exclude=("run",))
        generic.configure_table(request, table, {"per_page": 100})
        return {"host_table": table}


class DiscoveryHostListView(generic.ObjectListView):
    queryset = DiscoveryHost.objects.select_related("run", "asset")
    filterset = filtersets.DiscoveryHostFilterSet
    table = tables.DiscoveryHostTable
    filter_hidden = ("id", "run_id", "asset_id")
