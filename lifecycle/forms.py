from django import forms
from django.utils.translation import gettext_lazy as _

from inventory.forms import AssetListField, StyledModelForm
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease


class HardwareNoticeForm(StyledModelForm):
    class Meta:
        model = HardwareNotice
        fields = [
            "hardware_models",
            "bulletin",
            "end_of_sale_announced",
            "end_of_sale",
            "end_of_sw_maintenance",
            "end_of_security_support",
            "last_date_of_support",
            "replacement_model",
            "source",
        ]
        widgets = {"hardware_models": forms.SelectMultiple(attrs={"size": 8})}


class SoftwareReleaseForm(StyledModelForm):
    class Meta:
        model = SoftwareRelease
        fields = [
            "platform",
            "cycle",
            "release_date",
            "end_of_maintenance",
            "maintenance_ended",
            "end_of_security_support",
            "security_ended",
            "end_of_life",
            "life_ended",
            "lts",
            "latest_version",
            "source",
        ]


class ContractForm(StyledModelForm):
    assets = AssetListField(label=_("Assets"), required=False)

    class Meta:
        model = Contract
        fields = [
            "provider",
            "number",
            "kind",
            "service_level",
            "start",
            "end",
            "yearly_cost",
            "notice_days",
            "assets",
            "comments",
        ]


class LifecyclePolicyForm(StyledModelForm):
    class Meta:
        model = LifecyclePolicy
        fields = [
            "category",
            "org_unit",
            "service_life_years",
            "depreciation_years",
            "out_of_support",
            "warn_months",
        ]
