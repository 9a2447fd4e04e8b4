"""Serializers of the inventory endpoints and of API tokens."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from inventory import scopes
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
from inventory.models.users import parse_networks
from lifecycle import labels
from lifecycle.choices import CostSource, Coverage, ReplacementBasis, Risk, SupportStatus
from werterhalt.api.fields import NestedField
from werterhalt.api.serializers import BaseModelSerializer, BriefUserSerializer


class OrgUnitSerializer(BaseModelSerializer):
    parent = NestedField("inventory.api.serializers.OrgUnitSerializer", queryset=OrgUnit.objects.all(),
                         required=False, allow_null=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "url", "display", "name", "slug", "code", "parent", "description"]
        brief_fields = ["id", "url", "display", "name", "slug"]


class SiteSerializer(BaseModelSerializer):
    org_unit = NestedField(OrgUnitSerializer, required=False, allow_null=True)

    class Meta:
        model = Site
        fields = ["id", "url", "display", "name", "slug", "address", "org_unit", "description"]
        brief_fields = ["id", "url", "display", "name", "slug"]


class ManufacturerSerializer(BaseModelSerializer):
    aliases = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Manufacturer
        fields = ["id", "url", "display", "name", "slug", "aliases"]
        brief_fields = ["id", "url", "display", "name", "slug"]


class HardwareModelSerializer(BaseModelSerializer):
    manufacturer = NestedField(ManufacturerSerializer)
    aliases = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = HardwareModel
        fields = ["id", "url", "display", "manufacturer", "model", "name", "category", "list_price",
                  "aliases", "discovered", "comments"]
        brief_fields = ["id", "url", "display", "manufacturer", "model", "name"]


class PlatformSerializer(BaseModelSerializer):
    manufacturer = NestedField(ManufacturerSerializer, required=False, allow_null=True)

    class Meta:
        model = Platform
        fields = ["id", "url", "display", "name", "slug", "manufacturer", "napalm_driver"]
        brief_fields = ["id", "url", "display", "name", "slug"]


class TagSerializer(BaseModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "url", "display", "name", "slug", "color"]
        brief_fields = ["id", "url", "display", "name", "slug", "color"]


def _state(field: str) -> dict:
    """A read-only field from the asset's stored lifecycle answers (null before the first refresh)."""
    return {"source": f"lifecycle.{field}", "read_only": True, "allow_null": True}


class AssetSerializer(BaseModelSerializer):
    manufacturer = NestedField(
        ManufacturerSerializer, required=False, allow_null=True,
        help_text=_("Follows the hardware model; set it only for an asset without one."))
    hardware_model = NestedField(HardwareModelSerializer, required=False, allow_null=True)
    platform = NestedField(PlatformSerializer, required=False, allow_null=True)
    site = NestedField(SiteSerializer, required=False, allow_null=True)
    org_unit = NestedField(OrgUnitSerializer, required=False, allow_null=True)
    replaces = NestedField("inventory.api.serializers.AssetSerializer", queryset=Asset.objects.all(),
                           required=False, allow_null=True)
    tags = NestedField(TagSerializer, lookup="name", many=True, required=False)
    support_status = serializers.ChoiceField(choices=SupportStatus.choices, **_state("hardware_status"))
    software_status = serializers.ChoiceField(choices=SupportStatus.choices, **_state("software_status"))
    coverage = serializers.ChoiceField(choices=Coverage.choices, **_state("coverage"))
    replacement_due = serializers.DateField(**_state("replacement_due"))
    replacement_basis = serializers.ChoiceField(
        choices=ReplacementBasis.choices, **_state("replacement_basis")
    )
    replacement_reason = serializers.SerializerMethodField(
        help_text="Why the replace-by date is what it is, in the request's language (from the basis)."
    )
    service_start = serializers.DateField(**_state("service_start"))
    replacement_cost = serializers.DecimalField(max_digits=12, decimal_places=2, **_state("replacement_cost"))
    cost_source = serializers.ChoiceField(choices=CostSource.choices, **_state("cost_source"))
    book_value = serializers.DecimalField(max_digits=12, decimal_places=2, **_state("book_value"))
    risk = serializers.ChoiceField(choices=Risk.choices, **_state("risk"))
    lifecycle_as_of = serializers.DateField(**_state("at"))

    class Meta:
        model = Asset
        fields = [
            "id", "url", "display", "name", "serial", "asset_tag", "manufacturer", "hardware_model",
            "platform", "software_version", "role", "site", "org_unit", "status", "management_address",
            "purchase_date", "in_service_date", "purchase_cost", "warranty_end", "first_seen", "last_seen",
            "source", "replaces", "needs_review", "review_reason", "comments", "tags",
            "support_status", "software_status", "coverage", "replacement_due", "replacement_basis",
            "replacement_reason", "service_start", "replacement_cost", "cost_source",
            "book_value", "risk", "lifecycle_as_of",
        ]
        read_only_fields = ["first_seen", "last_seen"]
        brief_fields = ["id", "url", "display", "name", "serial"]

    def get_replacement_reason(self, asset) -> str | None:
        state = getattr(asset, "lifecycle", None)
        if state is None:
            return None
        return labels.replacement_reason(
            state.replacement_basis, state.out_of_support, state.service_life_years, state.start_source
        )


class ModuleSerializer(BaseModelSerializer):
    asset = NestedField(AssetSerializer)
    hardware_model = NestedField(HardwareModelSerializer, required=False, allow_null=True)

    class Meta:
        model = Module
        fields = ["id", "url", "display", "asset", "name", "part_number", "serial", "description",
                  "hardware_model", "present"]
        brief_fields = ["id", "url", "display", "name"]


class ObjectChangeSerializer(BaseModelSerializer):
    user = BriefUserSerializer(read_only=True, allow_null=True)  # NULL: a user since deleted, or none
    content_type = serializers.SerializerMethodField()

    class Meta:
        model = ObjectChange
        fields = ["id", "url", "display", "time", "actor_kind", "actor", "user", "batch", "action",
                  "content_type", "object_id", "object_repr", "prechange_data", "postchange_data"]
        brief_fields = ["id", "url", "display", "time", "action"]

    def get_content_type(self, obj) -> str:
        """``app_label.model``, e.g. ``inventory.asset``."""
        return f"{obj.content_type.app_label}.{obj.content_type.model}"


class TokenSerializer(BaseModelSerializer):
    """A token as listed: never its key (only its digest is stored, and that is not shown)."""

    user = BriefUserSerializer(read_only=True)
    org_units = NestedField(
        OrgUnitSerializer, many=True, required=False,
        help_text=_("Limit the token to these org units and the units below them, within its user's "
                    "scope (empty: as its user)."),
    )
    full_clean = False  # Token.issue() makes the prefix and digest

    class Meta:
        model = Token
        api_namespace = "users-api"
        fields = ["id", "url", "display", "user", "description", "prefix", "write_enabled", "expires",
                  "allowed_networks", "org_units", "created", "last_used"]
        read_only_fields = ["prefix", "created", "last_used"]
        brief_fields = ["id", "url", "display", "prefix"]

    def validate_expires(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError(_("Must be in the future."))
        return value

    def validate_allowed_networks(self, value):
        try:
            return ", ".join(str(n) for n in parse_networks(value))
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_org_units(self, value):
        """Units within the scope of the request (its user's, narrowed by the token used)."""
        request = self.context.get("request")
        scope = scopes.scope_of(request) if request is not None else scopes.EVERYTHING
        outside = [u.name for u in value if not scope.allows(u.pk)]
        if outside:
            raise serializers.ValidationError(str(scopes.OutOfScope(
                scope, _("%(units)s is outside it.") % {"units": ", ".join(outside)})))
        return value

    def validate(self, attrs):
        """A token cannot make a token that outlives it or may do more: a leaked key's expiry,
        read-only limit, allowed networks and org units hold for whatever it creates (a session
        may make any of its own)."""
        attrs = super().validate(attrs)
        parent = getattr(self.context.get("request"), "auth", None)
        if not isinstance(parent, Token):
            return attrs
        if not attrs.get("org_units") and parent.org_units.exists():
            attrs["org_units"] = list(parent.org_units.all())  # no wider than its maker
        if parent.allowed_networks:
            mine = parse_networks(attrs.get("allowed_networks", ""))
            if not mine:
                attrs["allowed_networks"] = parent.allowed_networks  # no wider than its maker
            elif not all(any(n.version == p.version and n.subnet_of(p) for p in parent.networks())
                         for n in mine):
                raise serializers.ValidationError({"allowed_networks": _(
                    "Must lie within the networks of the token used (%(networks)s).")
                    % {"networks": parent.allowed_networks}})
        if attrs.get("write_enabled") and not parent.write_enabled:
            raise serializers.ValidationError(
                {"write_enabled": _("A read-only token cannot create a write-enabled token.")})
        if parent.expires is not None:
            expires = attrs.get("expires")
            if expires is None:
                attrs["expires"] = parent.expires  # lives as long as the token that made it
            elif expires > parent.expires:
                raise serializers.ValidationError({"expires": _(
                    "Cannot be later than the expiry of the token used (%(expires)s).")
                    % {"expires": parent.expires.isoformat()}})
        return attrs


class TokenCreateSerializer(TokenSerializer):
    """The answer to a create carries the ``key``: the only time it is ever shown."""

    key = serializers.SerializerMethodField(help_text=_("Shown once; store it now."))

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "key"]

    def get_key(self, obj) -> str:
        return getattr(obj, "key", "")

    def create(self, validated_data):
        units = validated_data.pop("org_units", [])
        token, key = Token.issue(self.context["request"].user, **validated_data)
        token.org_units.set(units)
        token.key = key
        return token
