"""Serializers of the discovery endpoints. Runs, shards and hosts are read-only (discovery writes
them itself); schedules are written, validated by the model's clean()."""

from django.urls import reverse
from rest_framework import serializers

from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule, DiscoveryShard
from inventory.api.serializers import AssetSerializer
from werterhalt.api.fields import NestedField
from werterhalt.api.serializers import BaseModelSerializer, BriefUserSerializer


class DiscoveryScheduleSerializer(BaseModelSerializer):
    last_run = NestedField(
        "collectors.api.serializers.DiscoveryRunSerializer", read_only=True, allow_null=True
    )
    # methods, not fields with a source: ?ordering= offers only what the database can sort by
    when = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()

    class Meta:
        model = DiscoverySchedule
        fields = [
            "id",
            "url",
            "display",
            "name",
            "description",
            "enabled",
            "interval",
            "cron",
            "when",
            "action",
            "inventory_folder",
            "asset_filter",
            "netbox_filter",
            "source",
            "shard_size",
            "workers",
            "next_run",
            "last_run",
            "last_fired",
            "last_message",
            "created",
            "updated",
        ]
        read_only_fields = ["next_run", "last_fired", "last_message", "created", "updated"]
        brief_fields = ["id", "url", "display", "name", "enabled"]

    def get_when(self, obj) -> str:
        """When it fires: "every N min", or its cron expression."""
        return str(obj.when)

    def get_source(self, obj) -> str:
        """Where its hosts come from: an inventory folder, the database (with its filter) or NetBox;
        or the NetBox pull or push it runs."""
        return obj.source


class DiscoveryRunSerializer(BaseModelSerializer):
    user = BriefUserSerializer(read_only=True)
    schedule = NestedField(DiscoveryScheduleSerializer, read_only=True, allow_null=True)
    shards = serializers.SerializerMethodField()

    class Meta:
        model = DiscoveryRun
        fields = [
            "id",
            "url",
            "display",
            "started",
            "finished",
            "status",
            "schedule",
            "trigger",
            "source",
            "workers",
            "crawl",
            "allowed_prefixes",
            "hosts_tried",
            "hosts_succeeded",
            "hosts_failed",
            "assets_created",
            "assets_updated",
            "user",
            "message",
            "shards_total",
            "shards",
            "heartbeat",
        ]
        brief_fields = ["id", "url", "display", "started", "status"]

    def get_shards(self, obj) -> str | None:
        """The run's shards (``/api/discovery/shards/?run_id=``); null for a run in one process."""
        if not obj.shards_total:
            return None
        url = f"{reverse('discovery-api:discoveryshard-list')}?run_id={obj.pk}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class DiscoveryShardSerializer(BaseModelSerializer):
    run = NestedField(DiscoveryRunSerializer, read_only=True)

    class Meta:
        model = DiscoveryShard
        fields = [
            "id",
            "url",
            "display",
            "run",
            "index",
            "hosts",
            "status",
            "job_id",
            "worker",
            "queued",
            "started",
            "finished",
            "heartbeat",
            "hosts_done",
            "message",
        ]
        brief_fields = ["id", "url", "display", "index", "status"]


class DiscoveryHostSerializer(BaseModelSerializer):
    run = NestedField(DiscoveryRunSerializer, read_only=True)
    asset = NestedField(AssetSerializer, read_only=True, allow_null=True)

    class Meta:
        model = DiscoveryHost
        fields = [
            "id",
            "url",
            "display",
            "run",
            "name",
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
        ]
        brief_fields = ["id", "url", "display", "name", "outcome"]


# --- "run now" and health (plain serializers: what the views answer, for the schema too) -------


class RunNowSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=[("queued", "queued on the RQ workers"), ("due", "due: cron's run-due starts it")],
        read_only=True,
        help_text="queued: a worker starts the run; due: without Redis, the next "
        "`manage.py schedules run-due` (cron, every minute) starts it.",
    )


class WorkerSerializer(serializers.Serializer):
    name = serializers.CharField()
    hostname = serializers.CharField()
    pid = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()
    job = serializers.CharField(help_text="The RQ job it is working on; empty when idle.")
    last_heartbeat = serializers.DateTimeField(allow_null=True)
    successful = serializers.IntegerField()
    failed = serializers.IntegerField()
    queues = serializers.CharField()


class QueueCountsSerializer(serializers.Serializer):
    queued = serializers.IntegerField(required=False)
    started = serializers.IntegerField(required=False)
    scheduled = serializers.IntegerField(required=False)
    failed = serializers.IntegerField(required=False)


class HealthSerializer(serializers.Serializer):
    redis = serializers.BooleanField(help_text="Whether REDIS_URL is configured (else: cron, no workers).")
    queue_name = serializers.CharField()
    error = serializers.CharField(help_text="Why Redis could not be read; empty when it could.")
    workers = WorkerSerializer(many=True)
    counts = QueueCountsSerializer(help_text="Jobs of the discovery queue; empty without Redis.")
    scheduler = serializers.BooleanField(help_text="Whether a worker runs RQ's scheduler (fires schedules).")
    shards_running = serializers.IntegerField()
    shards_queued = serializers.IntegerField()
    shards_stale = serializers.IntegerField()
    runs_running = serializers.IntegerField()
    unplanned = DiscoveryScheduleSerializer.brief_class()(
        many=True, help_text="Enabled schedules whose next firing is missing on RQ."
    )
