"""Tables of the lifecycle lists."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from werterhalt.tables import BaseTable, MoneyColumn, ScopedColumn


class HardwareNoticeTable(BaseTable):
    bulletin = tables.Column(linkify=True, default="—")
    models = tables.ManyToManyColumn(
        accessor="hardware_models", verbose_name=_("Models"), transform=lambda m: m.model
    )
    replacement_model = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = HardwareNotice
        fields = (
            "pk",
            "bulletin",
            "models",
            "end_of_sale_announced",
            "end_of_sale",
            "end_of_sw_maintenance",
            "end_of_security_support",
            "last_date_of_support",
            "replacement_model",
            "sample",
        )


class SoftwareReleaseTable(BaseTable):
    cycle = tables.Column(linkify=True)
    platform = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = SoftwareRelease
        fields = (
            "pk",
            "platform",
            "cycle",
            "release_date",
            "end_of_maintenance",
            "end_of_security_support",
            "end_of_life",
            "lts",
            "latest_version",
            "sample",
        )


class ContractTable(BaseTable):
    number = tables.Column(linkify=True)
    yearly_cost = MoneyColumn()
    asset_count = tables.Column(verbose_name=_("Assets"), attrs={"td": {"class": "num"}})

    class Meta(BaseTable.Meta):
        model = Contract
        fields = (
            "pk",
            "number",
            "provider",
            "kind",
            "service_level",
            "start",
            "end",
            "notice_days",
            "yearly_cost",
            "asset_count",
        )


class LifecyclePolicyTable(BaseTable):
    id = tables.Column(linkify=True, verbose_name=_("Policy"))
    org_unit = ScopedColumn(default=_("every unit"))  # a unit above the scope: not named

    class Meta(BaseTable.Meta):
        model = LifecyclePolicy
        fields = (
            "pk",
            "id",
            "category",
            "org_unit",
            "service_life_years",
            "depreciation_years",
            "out_of_support",
            "warn_months",
        )
