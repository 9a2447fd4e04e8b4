"""Tables of the inventory lists."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from inventory import scopes
from inventory.choices import AssetStatus
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
from lifecycle.choices import Coverage, Risk, SupportStatus
from werterhalt import generic
from werterhalt.tables import (
    BadgeColumn,
    BaseTable,
    CutColumn,
    DayColumn,
    MomentColumn,
    MoneyColumn,
    ScopedColumn,
)
from werterhalt.templatetags.werterhalt import percent


class AssetTable(BaseTable):
    """The asset list. Texts that can be long are cut to one line (``CutColumn``); the default
    columns fit a 1440 px screen in English and German beside the filters, the others are in
    the list's *Columns* chooser."""

    name = CutColumn(linkify=True)
    status = BadgeColumn(choices=AssetStatus)
    serial = CutColumn()
    asset_tag = CutColumn()
    manufacturer = CutColumn(accessor="manufacturer__name", verbose_name=_("Manufacturer"))
    hardware_model = CutColumn(
        accessor="hardware_model__model", verbose_name=_("Model"), linkify=True, link_to="hardware_model"
    )
    platform = CutColumn()
    software_version = CutColumn()
    role = CutColumn()
    site = CutColumn(linkify=True)
    org_unit = CutColumn(linkify=True)
    hardware_status = BadgeColumn(
        accessor="lifecycle__hardware_status", choices=SupportStatus, verbose_name=_("Hardware support")
    )
    software_status = BadgeColumn(
        accessor="lifecycle__software_status", choices=SupportStatus, verbose_name=_("Software support")
    )
    coverage = BadgeColumn(accessor="lifecycle__coverage", choices=Coverage, verbose_name=_("Contract"))
    replacement_due = DayColumn(accessor="lifecycle__replacement_due", verbose_name=_("Replace by"))
    book_value = MoneyColumn(accessor="lifecycle__book_value", verbose_name=_("Book value"))
    risk = BadgeColumn(accessor="lifecycle__risk", choices=Risk, verbose_name=_("Risk"))
    last_seen = MomentColumn()
    purchase_cost = MoneyColumn()
    management_address = CutColumn(verbose_name=_("Address"))

    class Meta(BaseTable.Meta):
        model = Asset
        attrs = {**BaseTable.Meta.attrs, "class": "table one-line"}
        fields = (
            "pk",
            "name",
            "status",
            "serial",
            "asset_tag",
            "manufacturer",
            "hardware_model",
            "platform",
            "software_version",
            "role",
            "site",
            "org_unit",
            "management_address",
            "purchase_date",
            "in_service_date",
            "purchase_cost",
            "hardware_status",
            "software_status",
            "coverage",
            "replacement_due",
            "book_value",
            "risk",
            "last_seen",
            "source",
            "needs_review",
        )
        # serial number and organisational unit were defaults too: with them the list was 1,665 px
        # wide at 1440 (1,778 in German)
        default_columns = (
            "pk",
            "name",
            "status",
            "hardware_model",
            "site",
            "hardware_status",
            "software_status",
            "replacement_due",
            "risk",
        )


def asset_panel_table(request, assets) -> AssetTable:
    """The first page of a set of assets (``Asset.objects.for_lists()``), for the pages of the
    objects they belong to."""
    table = AssetTable(assets.restrict(scopes.scope_of(request)), request=request, exclude=("pk",))
    generic.configure_table(request, table, {"per_page": 25})
    return table


class ModuleTable(BaseTable):
    asset = tables.Column(linkify=True)
    name = tables.Column(verbose_name=_("Slot"))

    class Meta(BaseTable.Meta):
        model = Module
        fields = ("pk", "asset", "name", "part_number", "serial", "description", "present")


class FiguresMixin(tables.Table):
    """Columns for querysets annotated by lifecycle.figures.annotate."""

    asset_count = tables.Column(verbose_name=_("Assets"), attrs={"td": {"class": "num"}})
    book_value = MoneyColumn(verbose_name=_("Book value (CHF)"))
    out_of_support = tables.Column(
        verbose_name=_("Out of support"), attrs={"td": {"class": "num"}}, order_by=("out_of_support",)
    )

    def render_out_of_support(self, value, record):
        share = round(100 * value / record.asset_count, 1) if record.asset_count else 0.0
        return f"{value} ({percent(share)})"  # the one formatting of shares (German 50,0 %)

    def value_out_of_support(self, value, record):
        return value  # the CSV: the count


class SiteTable(FiguresMixin, BaseTable):
    name = tables.Column(linkify=True)
    org_unit = ScopedColumn()  # a site where the scope has assets may belong to another unit

    class Meta(BaseTable.Meta):
        model = Site
        fields = (
            "pk",
            "name",
            "slug",
            "org_unit",
            "address",
            "asset_count",
            "book_value",
            "out_of_support",
            "description",
        )


class OrgUnitTable(FiguresMixin, BaseTable):
    name = tables.Column(linkify=True)
    parent = ScopedColumn()  # a Direktion's parent lies outside its scope

    class Meta(BaseTable.Meta):
        model = OrgUnit
        fields = (
            "pk",
            "name",
            "slug",
            "code",
            "parent",
            "asset_count",
            "book_value",
            "out_of_support",
            "description",
        )


class ManufacturerTable(BaseTable):
    name = tables.Column(linkify=True)
    model_count = tables.Column(verbose_name=_("Models"), attrs={"td": {"class": "num"}})
    asset_count = tables.Column(verbose_name=_("Assets"), attrs={"td": {"class": "num"}})

    class Meta(BaseTable.Meta):
        model = Manufacturer
        fields = ("pk", "name", "slug", "model_count", "asset_count")


class HardwareModelTable(BaseTable):
    model = tables.Column(linkify=True)
    manufacturer = tables.Column(linkify=True)
    list_price = MoneyColumn()
    asset_count = tables.Column(verbose_name=_("Assets"), attrs={"td": {"class": "num"}})

    class Meta(BaseTable.Meta):
        model = HardwareModel
        fields = (
            "pk",
            "model",
            "manufacturer",
            "name",
            "category",
            "list_price",
            "asset_count",
            "discovered",
        )


class PlatformTable(BaseTable):
    name = tables.Column(linkify=True)
    asset_count = tables.Column(verbose_name=_("Assets"), attrs={"td": {"class": "num"}})

    class Meta(BaseTable.Meta):
        model = Platform
        fields = ("pk", "name", "slug", "manufacturer", "napalm_driver", "asset_count")


class TagTable(BaseTable):
    name = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Tag
        fields = ("pk", "name", "slug", "color")


class ObjectChangeTable(tables.Table):
    time = MomentColumn(linkify=True)
    action = BadgeColumn(color="get_action_color")
    content_type = tables.Column(verbose_name=_("Type"))
    object_repr = tables.Column(verbose_name=_("Object"))
    actor = tables.Column(verbose_name=_("By"))

    class Meta:
        model = ObjectChange
        fields = ("time", "action", "content_type", "object_repr", "actor", "actor_kind")
        attrs = {"class": "table", "id": "object-list"}
        fixed_columns = ()
        empty_text = _("No changes.")
