"""Forms of the discovery pages."""

from django import forms

from collectors.models import DiscoverySchedule
from werterhalt.forms import StyledModelForm


class DiscoveryScheduleForm(StyledModelForm):
    """Every setting a person chooses; the model's clean() (interval or cron, a valid cron
    expression, folder or filter, a valid asset filter) puts its errors on these fields."""

    class Meta:
        model = DiscoverySchedule
        fields = [
            "name",
            "description",
            "enabled",
            "interval",
            "cron",
            "inventory_folder",
            "asset_filter",
            "shard_size",
            "workers",
        ]
        widgets = {
            "cron": forms.TextInput(attrs={"placeholder": "30 2 * * 1-5", "spellcheck": "false"}),
            "inventory_folder": forms.TextInput(attrs={"spellcheck": "false"}),
            "asset_filter": forms.TextInput(
                attrs={"placeholder": "site=stadthaus&platform=ios", "spellcheck": "false"}
            ),
        }
