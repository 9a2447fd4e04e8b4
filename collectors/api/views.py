"""Discovery endpoints (``/api/discovery/``): schedules (with "run now"), what each run did,
shard by shard and host by host, and the health of the queue and its workers."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from collectors import filtersets, jobs
from collectors.api import serializers
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule, DiscoveryShard
from inventory import scopes
from werterhalt.api.permissions import IsAuthenticated, TokenModelPermissions
from werterhalt.api.viewsets import ModelViewSet, ReadOnlyModelViewSet


class QueueUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The discovery queue (Redis) did not answer; nothing was started.")
    default_code = "queue_unavailable"


class CanRunSchedules(TokenModelPermissions):
    """ "Run now" is a change to a schedule, not the creation of one: it needs
    ``change_discoveryschedule`` (and a write-enabled token)."""

    perms_map = {**TokenModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


class DiscoveryScheduleViewSet(ModelViewSet):
    queryset = DiscoverySchedule.objects.select_related("last_run")
    serializer_class = serializers.DiscoveryScheduleSerializer
    filterset_class = filtersets.DiscoveryScheduleFilterSet

    # a saved schedule is planned once its transaction commits: answer with its next run
    def perform_create(self, serializer):
        super().perform_create(serializer)
        serializer.instance.refresh_from_db()

    def perform_update(self, serializer):
        super().perform_update(serializer)
        serializer.instance.refresh_from_db()

    @extend_schema(
        request=None,
        responses={
            202: serializers.RunNowSerializer,
            503: OpenApiResponse(description="Redis did not answer; nothing was started."),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[CanRunSchedules])
    def run(self, request, pk=None):
        """Run the schedule now, outside its times (its next firing stays): ``queued`` when a
        worker will start it, ``due`` without Redis (cron's ``schedules run-due`` starts it)."""
        schedule = self.get_object()
        try:
            result = jobs.run_now(schedule, request.user)
        except jobs.QueueUnavailable:
            raise QueueUnavailable() from None
        return Response(
            serializers.RunNowSerializer({"result": result}).data, status=status.HTTP_202_ACCEPTED
        )


class DiscoveryRunViewSet(ReadOnlyModelViewSet):
    queryset = DiscoveryRun.objects.select_related("user", "schedule")
    serializer_class = serializers.DiscoveryRunSerializer
    filterset_class = filtersets.DiscoveryRunFilterSet


class DiscoveryShardViewSet(ReadOnlyModelViewSet):
    queryset = DiscoveryShard.objects.select_related("run")
    serializer_class = serializers.DiscoveryShardSerializer
    filterset_class = filtersets.DiscoveryShardFilterSet


class DiscoveryHostViewSet(ReadOnlyModelViewSet):
    queryset = DiscoveryHost.objects.select_related("run", "asset")
    serializer_class = serializers.DiscoveryHostSerializer
    filterset_class = filtersets.DiscoveryHostFilterSet


class CanViewDiscovery(IsAuthenticated):
    """Whoever may read discovery schedules may read the queue's health (read-only tokens too)."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and request.user.has_perm(
            "collectors.view_discoveryschedule"
        )


class HealthView(APIView):
    """The queue and its workers (the "Queue and workers" page): Redis configured and reachable
    (or the error), queue counts, whether a worker runs RQ's scheduler, the workers, shards and
    runs running, stale shards, and enabled schedules whose firing is missing on RQ."""

    permission_classes = [CanViewDiscovery]

    @extend_schema(responses=serializers.HealthSerializer)
    def get(self, request):
        scope = scopes.scope_of(request)
        if not scope.everything:
            raise exceptions.PermissionDenied(str(scopes.OutOfScope(
                scope, _("the queue and its workers serve the whole city."))))
        return Response(serializers.HealthSerializer(jobs.health(), context={"request": request}).data)
