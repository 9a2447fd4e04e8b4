from django.urls import path
from rest_framework import routers

from collectors.api import views

app_name = "discovery-api"


class DiscoveryRootView(routers.APIRootView):
    """Discovery schedules, runs, their shards, the outcome of each host they tried, and the
    health of the queue and its workers (`health/`)."""


router = routers.DefaultRouter()
router.APIRootView = DiscoveryRootView
router.register("schedules", views.DiscoveryScheduleViewSet)
router.register("runs", views.DiscoveryRunViewSet)
router.register("shards", views.DiscoveryShardViewSet)
router.register("hosts", views.DiscoveryHostViewSet)

urlpatterns = [path("health/", views.HealthView.as_view(), name="health"), *router.urls]
