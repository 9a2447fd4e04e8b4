import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from collectors.models import DiscoveryHost, DiscoveryRun
from werterhalt.tables import BadgeColumn


class DiscoveryRunTable(tables.Table):
    id = tables.Column(linkify=True, verbose_name=_("Run"))
    started = tables.DateTimeColumn(format="Y-m-d H:i:s")
    finished = tables.DateTimeColumn(format="Y-m-d H:i:s")
    status = BadgeColumn(color="get_status_color")

    class Meta:
        model = DiscoveryRun
        fields = (
            "id",
            "started",
            "finished",
            "status",
            "source",
            "workers",
            "crawl",
            "hosts_tried",
            "hosts_succeeded",
            "hosts_failed",
            "assets_created",
            "assets_updated",
        )
        attrs = {"class": "table", "id": "object-list"}
        fixed_columns = ()
        empty_text = _("No discovery runs yet.")


class DiscoveryHostTable(tables.Table):
    run = tables.Column(linkify=True)
    outcome = BadgeColumn(color="get_outcome_color")
    asset = tables.Column(linkify=True)
    seconds = tables.Column(attrs={"td": {"class": "num"}})

    class Meta:
        model = DiscoveryHost
        fields = (
            "name",
            "run",
            "address",
            "driver",
            "depth",
            "found_via",
            "outcome",
            "reason",
            "message",
            "asset",
            "changes",
            "seconds",
        )
        attrs = {"class": "table", "id": "object-list"}
        fixed_columns = ()
        empty_text = _("No hosts.")
