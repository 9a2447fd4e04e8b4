"""Serializers of the discovery endpoints (read-only: discovery writes these itself)."""

from collectors.models import DiscoveryHost, DiscoveryRun
from inventory.api.serializers import AssetSerializer
from werterhalt.api.fields import NestedField
from werterhalt.api.serializers import BaseModelSerializer, BriefUserSerializer


class DiscoveryRunSerializer(BaseModelSerializer):
    user = BriefUserSerializer(read_only=True)

    class Meta:
        model = DiscoveryRun
        fields = ["id", "url", "display", "started", "finished", "status", "source", "workers", "crawl",
                  "allowed_prefixes", "hosts_tried", "hosts_succeeded", "hosts_failed", "assets_created",
                  "assets_updated", "user", "message"]
        brief_fields = ["id", "url", "display", "started", "status"]


class DiscoveryHostSerializer(BaseModelSerializer):
    run = NestedField(DiscoveryRunSerializer, read_only=True)
    asset = NestedField(AssetSerializer, read_only=True)

    class Meta:
        model = DiscoveryHost
        fields = ["id", "url", "display", "run", "name", "address", "driver", "depth", "found_via",
                  "outcome", "reason", "message", "asset", "changes", "seconds"]
        brief_fields = ["id", "url", "display", "name", "outcome"]
