from django.urls import path
from rest_framework import routers

from lifecycle.api import snapshots, views

app_name = "lifecycle-api"


class LifecycleRootView(routers.APIRootView):
    """Vendors' end-of-life notices, software release cycles, contracts and lifecycle policies."""


router = routers.DefaultRouter()
router.APIRootView = LifecycleRootView
router.register("hardware-notices", views.HardwareNoticeViewSet)
router.register("software-releases", views.SoftwareReleaseViewSet)
router.register("contracts", views.ContractViewSet)
router.register("policies", views.LifecyclePolicyViewSet)
router.register("snapshots", snapshots.KpiSnapshotViewSet, basename="kpisnapshot")

urlpatterns = [
    path("plan/", views.PlanView.as_view(), name="plan"),
    path("summary/", views.SummaryView.as_view(), name="summary"),
    *router.urls,
]
