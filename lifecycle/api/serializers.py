"""Serializers of the lifecycle endpoints."""

from inventory.api.serializers import (
    AssetSerializer,
    HardwareModelSerializer,
    OrgUnitSerializer,
    PlatformSerializer,
)
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from werterhalt.api.fields import NestedField
from werterhalt.api.serializers import BaseModelSerializer


class HardwareNoticeSerializer(BaseModelSerializer):
    hardware_models = NestedField(HardwareModelSerializer, many=True)
    replacement_model = NestedField(HardwareModelSerializer, required=False, allow_null=True)

    class Meta:
        model = HardwareNotice
        fields = ["id", "url", "display", "hardware_models", "end_of_sale_announced", "end_of_sale",
                  "end_of_sw_maintenance", "end_of_security_support", "last_date_of_support",
                  "replacement_model", "bulletin", "source", "sample", "updated"]
        brief_fields = ["id", "url", "display", "bulletin"]


class SoftwareReleaseSerializer(BaseModelSerializer):
    platform = NestedField(PlatformSerializer)

    class Meta:
        model = SoftwareRelease
        fields = ["id", "url", "display", "platform", "cycle", "release_date", "end_of_maintenance",
                  "maintenance_ended", "end_of_security_support", "security_ended", "end_of_life",
                  "life_ended", "lts", "latest_version", "source", "sample", "updated"]
        brief_fields = ["id", "url", "display", "platform", "cycle"]


class ContractSerializer(BaseModelSerializer):
    assets = NestedField(AssetSerializer, many=True, required=False)

    class Meta:
        model = Contract
        fields = ["id", "url", "display", "provider", "number", "kind", "service_level", "start", "end",
                  "yearly_cost", "notice_days", "assets", "comments"]
        brief_fields = ["id", "url", "display", "provider", "number"]


class LifecyclePolicySerializer(BaseModelSerializer):
    org_unit = NestedField(OrgUnitSerializer, required=False, allow_null=True)

    class Meta:
        model = LifecyclePolicy
        fields = ["id", "url", "display", "category", "org_unit", "service_life_years",
                  "depreciation_years", "out_of_support", "warn_months"]
        brief_fields = ["id", "url", "display", "category", "org_unit"]
