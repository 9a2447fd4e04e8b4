from django.urls import path

from collectors import models
from collectors import views as v
from werterhalt.generic import crud_urls

app_name = "collectors"

urlpatterns = [
    *crud_urls(
        "discovery/schedules",
        models.DiscoverySchedule,
        list=v.DiscoveryScheduleListView,
        detail=v.DiscoveryScheduleView,
        add=v.DiscoveryScheduleEditView,
        edit=v.DiscoveryScheduleEditView,
        delete=v.DiscoveryScheduleDeleteView,
    ),
    path(
        "discovery/schedules/<int:pk>/enable/",
        v.DiscoveryScheduleEnableView.as_view(enabled=True),
        name="discoveryschedule_enable",
    ),
    path(
        "discovery/schedules/<int:pk>/disable/",
        v.DiscoveryScheduleEnableView.as_view(enabled=False),
        name="discoveryschedule_disable",
    ),
    path(
        "discovery/schedules/<int:pk>/run/",
        v.DiscoveryScheduleRunView.as_view(),
        name="discoveryschedule_run",
    ),
    *crud_urls("discovery/runs", models.DiscoveryRun, list=v.DiscoveryRunListView, detail=v.DiscoveryRunView),
    *crud_urls("discovery/hosts", models.DiscoveryHost, list=v.DiscoveryHostListView),
    path("discovery/health/", v.HealthView.as_view(), name="health"),
    path("discovery/health/plan/", v.HealthPlanView.as_view(), name="health_plan"),
]
