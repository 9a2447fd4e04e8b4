"""Lifecycle endpoints (``/api/lifecycle/``)."""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory import scopes
from inventory.models import Asset
from inventory.models.organisation import descendants
from lifecycle import exports, figures, filtersets, planning
from lifecycle.api import serializers
from lifecycle.forms import PlanForm, SummaryForm
from lifecycle.models import Contract, HardwareNotice, LifecyclePolicy, SoftwareRelease
from werterhalt.api.permissions import IsAuthenticated
from werterhalt.api.viewsets import ModelViewSet


class HardwareNoticeViewSet(ModelViewSet):
    queryset = HardwareNotice.objects.select_related("replacement_model__manufacturer").prefetch_related(
        "hardware_models__manufacturer"
    )
    serializer_class = serializers.HardwareNoticeSerializer
    filterset_class = filtersets.HardwareNoticeFilterSet


class SoftwareReleaseViewSet(ModelViewSet):
    queryset = SoftwareRelease.objects.select_related("platform")
    serializer_class = serializers.SoftwareReleaseSerializer
    filterset_class = filtersets.SoftwareReleaseFilterSet


class ContractViewSet(ModelViewSet):
    queryset = Contract.objects.all()
    serializer_class = serializers.ContractSerializer
    filterset_class = filtersets.ContractFilterSet

    def get_queryset(self):
        # a contract shared with another Direktion lists only the scope's assets
        scope = scopes.scope_of(self.request)
        in_scope = Prefetch("assets", queryset=Asset.objects.restrict(scope))
        return super().get_queryset().prefetch_related(in_scope)


class LifecyclePolicyViewSet(ModelViewSet):
    queryset = LifecyclePolicy.objects.select_related("org_unit")
    serializer_class = serializers.LifecyclePolicySerializer
    filterset_class = filtersets.LifecyclePolicyFilterSet


class CanViewPlans(IsAuthenticated):
    """Whoever may read lifecycle data may read the plan (read-only tokens too)."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.has_perm(
            "lifecycle.view_lifecyclepolicy"
        )


class SummaryView(APIView):
    """Lifecycle figures of the whole inventory (or of ``org_unit`` ids with the units below, or
    ``site`` ids) on ``at`` (default today) — the dashboard's and ``lifecycle_status``' figures
    (``lifecycle.figures``): assets in use per support status, coverage and risk; spares, planned
    and decommissioned as their own groups; leaving support within 12/24/36 months; replacement
    cost per budget year with the overdue backlog; book and replacement value."""

    permission_classes = [CanViewPlans]

    @extend_schema(
        parameters=[
            OpenApiParameter("at", OpenApiTypes.DATE),
            OpenApiParameter("org_unit", OpenApiTypes.INT, many=True),
            OpenApiParameter("site", OpenApiTypes.INT, many=True),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        scope = scopes.scope_of(request)
        form = SummaryForm(request.query_params, scope=scope)
        if not form.is_valid():
            return Response(form.errors.get_json_data(), status=400)
        at = form.cleaned_data["at"] or timezone.localdate()
        assets = Asset.objects.restrict(scope)
        if form.cleaned_data["org_unit"]:
            assets = assets.filter(org_unit__in=descendants([u.pk for u in form.cleaned_data["org_unit"]]))
        if form.cleaned_data["site"]:
            assets = assets.filter(site__in=form.cleaned_data["site"])
        return Response(figures.jsonable(figures.summarize(at, assets)))


class PlanView(APIView):
    """The replacement plan (the Planning page's): JSON with totals, schedule, budget per year ×
    org unit, the budget-capped plan and the value view; ``download=csv`` or ``download=xlsx``
    for the files. Parameters: ``at``, ``horizon``, ``budget``, ``extend_years``, ``org_unit``,
    ``site``, ``manufacturer`` (ids, repeatable), ``category``, ``hardware_status``, ``fill``,
    ``include_spares``, ``org_budget`` (repeatable), ``first_period``, ``running_costs``."""

    permission_classes = [CanViewPlans]

    @extend_schema(
        parameters=[
            OpenApiParameter("at", OpenApiTypes.DATE),
            OpenApiParameter("horizon", OpenApiTypes.INT),
            OpenApiParameter("budget", OpenApiTypes.DECIMAL),
            OpenApiParameter("extend_years", OpenApiTypes.INT),
            OpenApiParameter("org_unit", OpenApiTypes.INT, many=True),
            OpenApiParameter("site", OpenApiTypes.INT, many=True),
            OpenApiParameter("manufacturer", OpenApiTypes.INT, many=True),
            OpenApiParameter("category", OpenApiTypes.STR, many=True),
            OpenApiParameter("hardware_status", OpenApiTypes.STR, many=True),
            OpenApiParameter("fill", OpenApiTypes.STR, enum=["gaps", "strict"],
                             description="capped plan: fill leftover budget (gaps) or stop (strict)"),
            OpenApiParameter("include_spares", OpenApiTypes.BOOL,
                             description="price spares and planned assets into the backlog and budget"),
            OpenApiParameter("org_budget", OpenApiTypes.STR, many=True,
                             description="a budget per org unit: 'org unit; year; CHF' or 'org unit; CHF' "
                             "(repeatable; instead of budget)"),
            OpenApiParameter("first_period", OpenApiTypes.STR, enum=["prorated", "full"],
                             description="capped plan: the first period's share of the yearly budget"),
            OpenApiParameter("running_costs", OpenApiTypes.STR, enum=["on", "off"],
                             description="contracts' running costs and renewals in the forecast (on)"),
            OpenApiParameter("download", OpenApiTypes.STR, enum=["csv", "xlsx", "json"]),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        form = PlanForm(request.query_params, scope=scopes.scope_of(request))
        if not form.is_valid():
            return Response(form.errors.get_json_data(), status=400)
        plan = planning.build(**form.arguments())
        kind = request.query_params.get("download")
        if kind in {"csv", "xlsx"}:
            if not request.user.has_perm("lifecycle.export_plan"):
                raise PermissionDenied(_("Downloading plans needs the permission to export them."))
            return exports.plan_download(plan, kind)
        return Response(exports.as_dict(plan))
