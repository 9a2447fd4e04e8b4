"""Lifecycle endpoints (``/api/lifecycle/``)."""

from lifecycle import filtersets
from lifecycle.api import serializers
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from werterhalt.api.viewsets import ModelViewSet


class HardwareNoticeViewSet(ModelViewSet):
    queryset = HardwareNotice.objects.select_related("replacement_model__manufacturer").prefetch_related(
        "hardware_models__manufacturer")
    serializer_class = serializers.HardwareNoticeSerializer
    filterset_class = filtersets.HardwareNoticeFilterSet


class SoftwareReleaseViewSet(ModelViewSet):
    queryset = SoftwareRelease.objects.select_related("platform")
    serializer_class = serializers.SoftwareReleaseSerializer
    filterset_class = filtersets.SoftwareReleaseFilterSet


class ContractViewSet(ModelViewSet):
    queryset = Contract.objects.prefetch_related("assets")
    serializer_class = serializers.ContractSerializer
    filterset_class = filtersets.ContractFilterSet


class LifecyclePolicyViewSet(ModelViewSet):
    queryset = LifecyclePolicy.objects.select_related("org_unit")
    serializer_class = serializers.LifecyclePolicySerializer
    filterset_class = filtersets.LifecyclePolicyFilterSet
