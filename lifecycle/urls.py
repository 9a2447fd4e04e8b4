from django.urls import path

from lifecycle import models, views_monitoring
from lifecycle import views as v
from werterhalt.generic import crud_urls

app_name = "lifecycle"

urlpatterns = [
    path("planning/", v.PlanningView.as_view(), name="planning"),
    path("monitoring/", views_monitoring.MonitoringView.as_view(), name="monitoring"),
    path("monitoring/report.xlsx", views_monitoring.SteeringReportView.as_view(), name="monitoring_report"),
    *crud_urls(
        "hardware-notices",
        models.HardwareNotice,
        list=v.HardwareNoticeListView,
        detail=v.HardwareNoticeView,
        add=v.HardwareNoticeEditView,
        edit=v.HardwareNoticeEditView,
        delete=v.HardwareNoticeDeleteView,
    ),
    *crud_urls(
        "software-releases",
        models.SoftwareRelease,
        list=v.SoftwareReleaseListView,
        detail=v.SoftwareReleaseView,
        add=v.SoftwareReleaseEditView,
        edit=v.SoftwareReleaseEditView,
        delete=v.SoftwareReleaseDeleteView,
    ),
    *crud_urls(
        "contracts",
        models.Contract,
        list=v.ContractListView,
        detail=v.ContractView,
        add=v.ContractEditView,
        edit=v.ContractEditView,
        delete=v.ContractDeleteView,
        bulk_delete=v.ContractBulkDeleteView,
    ),
    *crud_urls(
        "policies",
        models.LifecyclePolicy,
        list=v.LifecyclePolicyListView,
        detail=v.LifecyclePolicyView,
        add=v.LifecyclePolicyEditView,
        edit=v.LifecyclePolicyEditView,
        delete=v.LifecyclePolicyDeleteView,
    ),
]
