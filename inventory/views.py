from django.db.models import Count
from django.views.generic import TemplateView

from inventory.choices import AssetStatus
from inventory.models import Asset, HardwareModel, ObjectChange, OrgUnit, Site


class HomeView(TemplateView):
    """Landing page: what the inventory holds, with links into it."""

    template_name = "inventory/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        by_status = dict(Asset.objects.values_list("status").annotate(n=Count("pk")))
        context.update(
            asset_count=sum(by_status.values()),
            by_status=[(s.label, AssetStatus.color(s.value), by_status.get(s.value, 0))
                       for s in AssetStatus],
            model_count=HardwareModel.objects.count(),
            site_count=Site.objects.count(),
            org_unit_count=OrgUnit.objects.count(),
            recent_changes=ObjectChange.objects.select_related("content_type")[:10],
        )
        return context
