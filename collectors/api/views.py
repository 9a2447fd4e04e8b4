"""Discovery endpoints (``/api/discovery/``): what each run did, host by host."""

from collectors import filtersets
from collectors.api import serializers
from collectors.models import DiscoveryHost, DiscoveryRun
from werterhalt.api.viewsets import ReadOnlyModelViewSet


class DiscoveryRunViewSet(ReadOnlyModelViewSet):
    queryset = DiscoveryRun.objects.select_related("user")
    serializer_class = serializers.DiscoveryRunSerializer
    filterset_class = filtersets.DiscoveryRunFilterSet


class DiscoveryHostViewSet(ReadOnlyModelViewSet):
    queryset = DiscoveryHost.objects.select_related("run", "asset")
    serializer_class = serializers.DiscoveryHostSerializer
    filterset_class = filtersets.DiscoveryHostFilterSet
