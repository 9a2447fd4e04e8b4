"""Inventory endpoints (``/api/inventory/``) and API tokens (``/api/users/tokens/``)."""



from inventory import filtersets
from inventory.api import serializers
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
    Token,
)
from werterhalt.api.permissions import IsAuthenticated
from werterhalt.api.viewsets import ModelViewSet, ReadOnlyModelViewSet


class OrgUnitViewSet(ModelViewSet):
    queryset = OrgUnit.objects.select_related("parent")
    serializer_class = serializers.OrgUnitSerializer
    filterset_class = filtersets.OrgUnitFilterSet


class SiteViewSet(ModelViewSet):
    queryset = Site.objects.select_related("org_unit")
    serializer_class = serializers.SiteSerializer
    filterset_class = filtersets.SiteFilterSet


class ManufacturerViewSet(ModelViewSet):
    queryset = Manufacturer.objects.all()
    serializer_class = serializers.ManufacturerSerializer
    filterset_class = filtersets.ManufacturerFilterSet


class HardwareModelViewSet(ModelViewSet):
    queryset = HardwareModel.objects.select_related("manufacturer")
    serializer_class = serializers.HardwareModelSerializer
    filterset_class = filtersets.HardwareModelFilterSet


class PlatformViewSet(ModelViewSet):
    queryset = Platform.objects.select_related("manufacturer")
    serializer_class = serializers.PlatformSerializer
    filterset_class = filtersets.PlatformFilterSet


class TagViewSet(ModelViewSet):
    queryset = Tag.objects.all()
    serializer_class = serializers.TagSerializer
    filterset_class = filtersets.TagFilterSet


class AssetViewSet(ModelViewSet):
    queryset = Asset.objects.select_related(
        "manufacturer", "hardware_model__manufacturer", "platform", "site", "org_unit", "replaces",
        "lifecycle",
    ).prefetch_related("tags")
    serializer_class = serializers.AssetSerializer
    filterset_class = filtersets.AssetFilterSet


class ModuleViewSet(ModelViewSet):
    queryset = Module.objects.select_related("asset", "hardware_model__manufacturer")
    serializer_class = serializers.ModuleSerializer
    filterset_class = filtersets.ModuleFilterSet


class ObjectChangeViewSet(ReadOnlyModelViewSet):
    queryset = ObjectChange.objects.select_related("content_type", "user")
    serializer_class = serializers.ObjectChangeSerializer
    filterset_class = filtersets.ObjectChangeFilterSet


class TokenViewSet(ModelViewSet):
    """Each user's own tokens; users who may view every token (admins) see all of them."""

    queryset = Token.objects.select_related("user").prefetch_related("org_units")
    serializer_class = serializers.TokenSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "post", "delete", "head", "options"]  # no update: make a new one

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Token.objects.none()
        user = self.request.user
        perm = "inventory.delete_token" if self.action == "destroy" else "inventory.view_token"
        return self.queryset if user.has_perm(perm) else self.queryset.filter(user=user)

    def get_serializer_class(self):
        if self.action == "create":
            return serializers.TokenCreateSerializer
        return super().get_serializer_class()
