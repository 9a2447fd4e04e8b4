"""Forms of the discovery pages."""

from django import forms

from collectors.choices import ScheduleAction
from collectors.models import DiscoverySchedule
from werterhalt.forms import StyledModelForm


class DiscoveryScheduleForm(StyledModelForm):
    """Every setting a person chooses; the model's clean() (interval or cron, a valid cron
    expression, folder or filter, a valid asset filter, a NetBox filter of known keys, folder and
    asset filter only for discovery) puts its errors on these fields."""

    class Meta:
        model = DiscoverySchedule
        fields = [
            "name",
            "description",
            "enabled",
            "interval",
            "cron",
            "action",
            "inventory_folder",
            "asset_filter",
            "netbox_filter",
            "shard_size",
            "workers",
        ]
        widgets = {
            "cron": forms.TextInput(attrs={"placeholder": "30 2 * * 1-5", "spellcheck": "false"}),
            "inventory_folder": forms.TextInput(attrs={"spellcheck": "false"}),
            "asset_filter": forms.TextInput(
                attrs={"placeholder": "site=stadthaus&platform=ios", "spellcheck": "false"}
            ),
            "netbox_filter": forms.TextInput(
                attrs={"placeholder": "site=zentrale role=core-switch", "spellcheck": "false"}
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # left out of a post (a form of an older page, a script): the schedule keeps its action
        self.fields["action"].required = False

    def clean_action(self) -> str:
        return self.cleaned_data.get("action") or self.instance.action or ScheduleAction.DISCOVER
