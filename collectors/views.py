"""Discovery pages: schedules, runs with their shards and the outcome of each host, and the
health of the queue and its workers. Scheduling and starting runs is ``collectors.jobs``' work;
these views call it and tell the user what happened."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from collectors import filtersets, forms, jobs, tables
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule
from inventory import scopes
from werterhalt import generic
from werterhalt.templatetags.werterhalt import moment

CHANGE_SCHEDULES = "collectors.change_discoveryschedule"


def when(value) -> str:
    """A point in time as people read it (the ``moment`` filter), "—" for none."""
    return moment(value) or "—"


class DiscoveryScheduleListView(generic.ObjectListView):
    queryset = DiscoverySchedule.objects.select_related("last_run")
    filterset = filtersets.DiscoveryScheduleFilterSet
    table = tables.DiscoveryScheduleTable


class DiscoveryScheduleView(generic.ObjectView):
    queryset = DiscoverySchedule.objects.select_related("last_run")

    def get_extra_context(self, request, obj):
        runs = tables.ScheduleRunTable(obj.runs.all(), request=request, prefix="runs-")
        generic.configure_table(request, runs, {"per_page": 25})
        return {
            "run_table": runs,
            "can_change": request.user.has_perm(CHANGE_SCHEDULES),
            "redis": jobs.redis_configured(),
        }


class DiscoveryScheduleEditView(generic.ObjectEditView):
    queryset = DiscoverySchedule.objects.all()
    form = forms.DiscoveryScheduleForm


class DiscoveryScheduleDeleteView(generic.ObjectDeleteView):
    queryset = DiscoverySchedule.objects.all()


class ScheduleActionView(generic.ModelPermissionMixin, View):
    """A button on a schedule's page (POST only): needs the permission to change schedules."""

    queryset = DiscoverySchedule.objects.all()
    action = "change"

    def post(self, request, pk):
        schedule = get_object_or_404(self.queryset, pk=pk)
        self.check_scope(schedule)  # the whole city's: not for a scoped user
        self.act(request, schedule)
        return HttpResponseRedirect(generic.safe_return_url(request, schedule.get_absolute_url()))


class DiscoveryScheduleEnableView(ScheduleActionView):
    enabled = True

    def act(self, request, schedule):
        jobs.set_enabled(schedule, self.enabled)  # saving re-plans it once the change is committed
        schedule.refresh_from_db()
        if not self.enabled:
            messages.success(
                request,
                _("Disabled schedule “%(name)s”: it does not fire until enabled.") % {"name": schedule},
            )
        elif schedule.next_run:
            messages.success(
                request,
                _("Enabled schedule “%(name)s”: next run %(when)s.")
                % {"name": schedule, "when": when(schedule.next_run)},
            )
        else:
            messages.success(request, _("Enabled schedule “%(name)s”.") % {"name": schedule})


class DiscoveryScheduleRunView(ScheduleActionView):
    def act(self, request, schedule):
        try:
            result = jobs.run_now(schedule, request.user)
        except jobs.QueueUnavailable as exc:
            messages.error(
                request,
                _("The run could not be queued: Redis did not answer (%(error)s). Nothing was started.")
                % {"error": exc},
            )
            return
        if result == "queued":
            messages.success(
                request,
                _("Run of “%(name)s” queued: a worker starts it shortly; it appears below.")
                % {"name": schedule},
            )
        else:
            messages.success(
                request,
                _(
                    "Run of “%(name)s” requested: the scheduler (manage.py schedules run-due, from cron "
                    "every minute) starts it within a minute."
                )
                % {"name": schedule},
            )


class DiscoveryRunListView(generic.ObjectListView):
    queryset = DiscoveryRun.objects.select_related("schedule")
    filterset = filtersets.DiscoveryRunFilterSet
    table = tables.DiscoveryRunTable


class DiscoveryRunView(generic.ObjectView):
    queryset = DiscoveryRun.objects.select_related("user", "schedule")

    def get_extra_context(self, request, obj):
        scope = scopes.scope_of(request)
        hosts = obj.hosts.restrict(scope).select_related("asset", "run").order_by("outcome", "name")
        table = tables.DiscoveryHostTable(hosts, request=request, exclude=("run",))
        generic.configure_table(request, table, {"per_page": 100})
        context = {
            "host_table": table,
            "shard_table": None,
            "duration": tables.format_duration(obj.duration),
        }
        shards = obj.shards.restrict(scope)
        if obj.shards_total or shards.exists():
            shard_table = tables.DiscoveryShardTable(shards, request=request, prefix="shards-")
            generic.configure_table(request, shard_table, {"per_page": 100})
            context["shard_table"] = shard_table
        return context


class DiscoveryHostListView(generic.ObjectListView):
    queryset = DiscoveryHost.objects.select_related("run", "asset")
    filterset = filtersets.DiscoveryHostFilterSet
    table = tables.DiscoveryHostTable
    filter_hidden = ("id", "run_id", "asset_id")


class HealthView(PermissionRequiredMixin, View):
    """Queue and workers: whether discovery can run, and what is running now."""

    permission_required = "collectors.view_discoveryschedule"
    raise_exception = True

    def get(self, request):
        scopes.require_everything(scopes.scope_of(request), _("the queue and its workers serve the whole "
                                                              "city."))
        return render(
            request,
            "collectors/health.html",
            {
                "health": jobs.health(),
                "stale_after": int(settings.DISCOVERY_STALE_AFTER),
                "can_change": request.user.has_perm(CHANGE_SCHEDULES),
            },
        )


class HealthPlanView(PermissionRequiredMixin, View):
    """ "Plan again": put the firings that RQ lost back on it."""

    permission_required = CHANGE_SCHEDULES
    raise_exception = True

    def post(self, request):
        scopes.require_everything(scopes.scope_of(request), _("the queue and its workers serve the whole "
                                                              "city."))
        try:
            planned = jobs.ensure_planned()
        except jobs.QueueUnavailable as exc:
            messages.error(
                request, _("Redis did not answer: %(error)s. Nothing was planned.") % {"error": exc}
            )
        else:
            if planned:
                messages.success(
                    request,
                    _("Planned again: %(names)s.")
                    % {"names": ", ".join(f"{s.name} ({when(s.next_run)})" for s in planned)},
                )
            else:
                messages.info(request, _("Every enabled schedule was planned already."))
        return HttpResponseRedirect(reverse("collectors:health"))
