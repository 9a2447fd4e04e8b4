"""Filters of the inventory lists, used by the UI's filter forms and the API alike.

Foreign keys filter by id (``site_id``, repeatable) and, for scripts, by slug (``site``).
"""

import datetime as dt
import ipaddress

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.choices import ActorKind, AssetSource, AssetStatus, ChangeAction, HardwareCategory
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
from inventory.models.organisation import descendants
from lifecycle import figures
from lifecycle.choices import Coverage, Risk, SupportStatus, Usage
from werterhalt.filtersets import BaseFilterSet, IdsFilter, fk_filter, multiple_choice, slug_filter


class OrgUnitTreeFilter(IdsFilter):
    """An org unit means the unit and everything below it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)  # a foreign key: no row twice
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": descendants(u.pk for u in value)})


class OrgUnitFilterSet(BaseFilterSet):
    search_fields = ("name", "code", "description")
    parent_id = fk_filter(queryset=OrgUnit.objects.all(), label=_("Parent"))
    slug = django_filters.AllValuesMultipleFilter()

    class Meta:
        model = OrgUnit
        fields = ["id", "name", "slug", "code"]


class SiteFilterSet(BaseFilterSet):
    search_fields = ("name", "address", "description")
    org_unit_id = OrgUnitTreeFilter(field_name="org_unit", queryset=OrgUnit.objects.all(),
                                    label=_("Organisational unit"))
    org_unit = OrgUnitTreeFilter(field_name="org_unit", queryset=OrgUnit.objects.all(), to_field_name="slug",
                                 label=_("Organisational unit (slug)"))

    class Meta:
        model = Site
        fields = ["id", "name", "slug"]


class ManufacturerFilterSet(BaseFilterSet):
    search_fields = ("name", "slug")

    class Meta:
        model = Manufacturer
        fields = ["id", "name", "slug"]


class HardwareModelFilterSet(BaseFilterSet):
    search_fields = ("model", "name", "manufacturer__name")
    manufacturer_id = fk_filter(
        queryset=Manufacturer.objects.all(), label=_("Manufacturer"))
    manufacturer = slug_filter("manufacturer", Manufacturer.objects.all(), _("Manufacturer (slug)"))
    category = multiple_choice("category", HardwareCategory.choices, _("Category"))
    has_notice = django_filters.BooleanFilter(field_name="notices", lookup_expr="isnull", exclude=True,
                                              distinct=True, label=_("Has an end-of-life notice"))

    class Meta:
        model = HardwareModel
        fields = ["id", "model", "discovered"]


class PlatformFilterSet(BaseFilterSet):
    search_fields = ("name", "slug", "napalm_driver")
    manufacturer_id = fk_filter(
        queryset=Manufacturer.objects.all(), label=_("Manufacturer"))

    class Meta:
        model = Platform
        fields = ["id", "name", "slug", "napalm_driver"]


class TagFilterSet(BaseFilterSet):
    search_fields = ("name", "slug")

    class Meta:
        model = Tag
        fields = ["id", "name", "slug"]


class AssetFilterSet(BaseFilterSet):
    site_id = fk_filter(queryset=Site.objects.all(), label=_("Site"))
    site = slug_filter("site", Site.objects.all(), _("Site (slug)"))
    org_unit_id = OrgUnitTreeFilter(field_name="org_unit", queryset=OrgUnit.objects.all(),
                                    label=_("Organisational unit"))
    org_unit = OrgUnitTreeFilter(field_name="org_unit", queryset=OrgUnit.objects.all(), to_field_name="slug",
                                 label=_("Organisational unit (slug)"))
    manufacturer_id = fk_filter(
        queryset=Manufacturer.objects.all(), label=_("Manufacturer"))
    manufacturer = slug_filter("manufacturer", Manufacturer.objects.all(), _("Manufacturer (slug)"))
    hardware_model_id = fk_filter(
        queryset=HardwareModel.objects.select_related("manufacturer"), label=_("Hardware model"))
    platform_id = fk_filter(queryset=Platform.objects.all(),
        label=_("Platform"))
    category = multiple_choice("hardware_model__category", HardwareCategory.choices, _("Category"))
    status = multiple_choice("status", AssetStatus.choices, _("Status"))
    source = multiple_choice("source", AssetSource.choices, _("Source"))
    tag = slug_filter("tags", Tag.objects.all(), _("Tag"), distinct=True)
    hardware_status = multiple_choice(
        "lifecycle__hardware_status", SupportStatus.choices, _("Hardware support"))
    software_status = multiple_choice(
        "lifecycle__software_status", SupportStatus.choices, _("Software support"))
    coverage = multiple_choice("lifecycle__coverage", Coverage.choices, _("Contract"))
    risk = multiple_choice("lifecycle__risk", Risk.choices, _("Risk"))
    usage = django_filters.MultipleChoiceFilter(
        choices=Usage.choices, method="filter_usage", label=_("Counted as"),
        help_text=_("In use (active or in maintenance), spares, planned or decommissioned: lifecycle "
                    "figures and plans count the assets in use."))
    replacement_year = django_filters.NumberFilter(
        method="filter_replacement_year", label=_("Budget year"), min_value=1, max_value=9998,
        help_text=_("Assets in use whose replace-by date falls in this year and is not overdue, as "
                    "the dashboard's and the plan's budget years count them."))
    replacement_bucket = django_filters.ChoiceFilter(
        choices=[("backlog", _("Backlog (overdue)"))], method="filter_backlog", label=_("Backlog"),
        help_text=_("Assets in use whose replace-by date has passed."))
    not_seen_days = django_filters.NumberFilter(
        method="filter_not_seen", label=_("Not seen for (days)"), min_value=0, max_value=36500,
        help_text=_("Discovered assets whose last sighting is older than this."))
    needs_review = django_filters.BooleanFilter(label=_("Needs review"))
    serial = django_filters.CharFilter(lookup_expr="iexact", label=_("Serial number"))
    asset_tag = django_filters.CharFilter(lookup_expr="iexact", label=_("Asset tag"))
    name = django_filters.CharFilter(lookup_expr="iexact", label=_("Name"))

    class Meta:
        model = Asset
        fields = ["id"]

    def search(self, queryset, name, value):
        """Name, serial, asset tag, model or management address."""
        value = value.strip()
        if not value:
            return queryset
        # models first (a few hundred rows): a join inside the OR would stop the indexes on
        # name and serial from serving the search (see inventory migration 0007)
        models = list(HardwareModel.objects.filter(model__icontains=value).values_list("pk", flat=True)[:500])
        query = Q(name__icontains=value) | Q(serial__iexact=value) | Q(asset_tag__iexact=value)
        if models:
            query |= Q(hardware_model_id__in=models)
        if len(value) >= 4:  # a part of a serial, but not every serial containing "1"
            query |= Q(serial__istartswith=value)
        try:
            query |= Q(management_address=str(ipaddress.ip_address(value)))
        except ValueError:
            if value[:1].isdigit() and value.count(".") >= 1:  # a prefix of an address: "10.20."
                query |= Q(management_address__startswith=value)
        return queryset.filter(query)

    def filter_replacement_year(self, queryset, name, value):
        return queryset.filter(figures.bucket_q(str(int(value))))

    def filter_backlog(self, queryset, name, value):
        return queryset.filter(figures.bucket_q(value))

    def filter_usage(self, queryset, name, value):
        query = Q()
        for group in value:
            query |= figures.usage_q(group)
        return queryset.filter(query)

    def filter_not_seen(self, queryset, name, value):
        return queryset.filter(last_seen__lt=timezone.now() - dt.timedelta(days=int(value)))


class ModuleFilterSet(BaseFilterSet):
    search_fields = ("name", "part_number", "serial", "description", "asset__name")
    asset_id = fk_filter(queryset=Asset.objects.all(), label=_("Asset"))
    hardware_model_id = fk_filter(
        queryset=HardwareModel.objects.all(), label=_("Hardware model"))

    class Meta:
        model = Module
        fields = ["id", "present", "part_number", "serial"]


def _visible_users(request):
    """Whom the change log's user filter offers: everyone to those who may see users (admins),
    else only oneself — user names are not every viewer's business."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.order_by("username")
    if request is None:
        return users.none()
    if request.user.has_perm("auth.view_user"):
        return users
    return users.filter(pk=request.user.pk)


class ObjectChangeFilterSet(BaseFilterSet):
    search_fields = ("object_repr", "actor")
    user = django_filters.ModelChoiceFilter(queryset=_visible_users, label=_("User"))
    action = multiple_choice("action", ChangeAction.choices, _("Action"))
    actor_kind = multiple_choice("actor_kind", ActorKind.choices, _("Actor kind"))
    content_type = django_filters.CharFilter(method="filter_content_type", label=_("Object type"),
                                             help_text=_("app_label.model, e.g. inventory.asset"))
    since = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="gte", label=_("Since"))
    until = django_filters.IsoDateTimeFilter(field_name="time", lookup_expr="lt", label=_("Until"))

    class Meta:
        model = ObjectChange
        fields = ["id", "object_id", "batch"]

    def filter_content_type(self, queryset, name, value):
        app_label, _dot, model = value.lower().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
