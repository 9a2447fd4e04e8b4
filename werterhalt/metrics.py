"""``GET /metrics``: the steering figures and discovery's health in Prometheus' text format
(docs/metrics.md).

- **KPIs** per org unit (its whole subtree; label ``org_unit`` = the unit's slug, ``""`` for the
  whole city) come from ``lifecycle.snapshots.compute`` — the function the monitoring's snapshots
  are written with, so a gauge and the day's snapshot cannot disagree. They are cached until the
  stored lifecycle answers or the set of assets change (``lifecycle.state.version``) or the day
  changes. With them, the Monitoring page's targets and traffic lights (``lifecycle.monitoring``).
- **Discovery**: the last run of every schedule (start, end, duration, status, hosts by outcome,
  failed hosts by reason) and of the command line, plus the queue and workers
  (``collectors.jobs.health``, what the queue page shows).

Every scrape builds a fresh ``CollectorRegistry`` holding only ``MetricsCollector``: the figures
come from the database and are the same whichever gunicorn process answers, whereas the default
registry's process and platform metrics would describe one random worker process.

Access (``access``): a valid API token (``TokenAuthentication``'s rules: not expired, user
active, the token's own allowed networks) whose user may view assets, or — without an
``Authorization`` header — a client address in ``METRICS_ALLOWED_NETWORKS``. A signed-in browser
session alone is not enough. Which units a request may see is decided in ``visibility`` alone.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db.models import Count
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from rest_framework.exceptions import AuthenticationFailed

from collectors import jobs
from collectors.choices import HostOutcome, HostReason, RunStatus
from collectors.models import DiscoveryHost, DiscoveryRun, DiscoverySchedule
from inventory.models import OrgUnit
from inventory.models.users import parse_networks
from lifecycle import state
from werterhalt.api.authentication import TokenAuthentication, client_address

log = logging.getLogger(__name__)

PERMISSION = "inventory.view_asset"
CITY = ""  # the org_unit label of the whole city's figures
KPI_CACHE_SECONDS = 3600

# KpiSnapshot field → (metric name, HELP, factor). Shares are percent in the snapshot and ratios
# (0–1) here, as Prometheus has it; money is CHF.
KPIS = (
    ("assets_in_use", "werterhalt_assets_in_use",
     "Assets in use (active or in maintenance) in the org unit's subtree", 1),
    ("hw_out_count", "werterhalt_out_of_hardware_support_assets",
     "Assets in use whose hardware is out of support", 1),
    ("hw_out_share", "werterhalt_out_of_hardware_support_ratio",
     "Share of the assets in use whose hardware is out of support (0-1)", Decimal("0.01")),
    ("hw_out_value_share", "werterhalt_out_of_hardware_support_value_ratio",
     "Share of the replacement value of the assets in use whose hardware is out of support (0-1)",
     Decimal("0.01")),
    ("sw_out_count", "werterhalt_out_of_software_support_assets",
     "Assets in use whose software release is out of support", 1),
    ("sw_out_share", "werterhalt_out_of_software_support_ratio",
     "Share of the assets in use whose software release is out of support (0-1)", Decimal("0.01")),
    ("sw_out_value_share", "werterhalt_out_of_software_support_value_ratio",
     "Share of the replacement value of the assets in use whose software is out of support (0-1)",
     Decimal("0.01")),
    ("no_contract_count", "werterhalt_without_contract_assets",
     "Assets in use without any support contract (one that expired counts as a contract)", 1),
    ("no_contract_share", "werterhalt_without_contract_ratio",
     "Share of the assets in use without any support contract (0-1)", Decimal("0.01")),
    ("backlog_count", "werterhalt_replacement_backlog_assets",
     "Assets in use whose replace-by date has passed", 1),
    ("backlog_cost", "werterhalt_replacement_backlog_chf",
     "Replacement cost of the assets in use whose replace-by date has passed, CHF", 1),
    ("due_1y_cost", "werterhalt_replacement_due_1y_chf",
     "Replacement cost of the assets in use due from today to a year ahead (no backlog), CHF", 1),
    ("due_3y_cost", "werterhalt_replacement_due_3y_chf",
     "Replacement cost of the assets in use due from today to 3 years ahead (no backlog), CHF", 1),
    ("due_5y_cost", "werterhalt_replacement_due_5y_chf",
     "Replacement cost of the assets in use due from today to 5 years ahead (no backlog), CHF", 1),
    ("book_value", "werterhalt_book_value_chf", "Book value of the assets in use, CHF", 1),
    ("replacement_value", "werterhalt_replacement_value_chf",
     "Replacement value of the assets in use, CHF", 1),
    ("average_age", "werterhalt_average_age_years",
     "Average age of the assets in use, years (absent without assets of known age)", 1),
    ("not_seen_30d", "werterhalt_not_seen_30d_assets",
     "Assets in use that discovery has not seen for 30 days (absent when unknown)", 1),
)
RISKS = ("low", "medium", "high", "critical")  # KpiSnapshot.risk_<level>
FACTORS = {field: factor for field, _name, _help, factor in KPIS}


# --- who may read, and what ---------------------------------------------------------------------


@dataclass(frozen=True)
class Visibility:
    """What one request may see: ``units`` None is every unit and the city; otherwise the ids of
    the units whose gauges it may read (never the city's)."""

    units: frozenset[int] | None = None
    discovery: bool = True

    def shows(self, unit_id: int | None) -> bool:
        return self.units is None or (unit_id is not None and unit_id in self.units)


def visibility(request) -> Visibility:
    """Which gauges this request may see (``inventory.scopes.scope_of(request)``): a token limited
    to some org units (or whose user is) sees their units' gauges only, and nothing of discovery,
    which serves the whole city; a client from ``METRICS_ALLOWED_NETWORKS`` without a token sees
    everything."""
    from inventory import scopes

    scope = scopes.scope_of(request)
    return Visibility() if scope.everything else Visibility(units=scope.units, discovery=False)


_bad_networks_logged: set[str] = set()


def allowed_networks() -> list:
    """``METRICS_ALLOWED_NETWORKS`` as networks; a value that is not a list of prefixes counts as
    none (a token is then needed) and is logged once per process."""
    text = settings.METRICS_ALLOWED_NETWORKS or ""
    try:
        return parse_networks(text)
    except ValueError as exc:
        if text not in _bad_networks_logged:
            _bad_networks_logged.add(text)
            log.error("METRICS_ALLOWED_NETWORKS is ignored, /metrics needs a token: %s", exc)
        return []


def _within(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in networks)


def _refuse(status: int, reason: str) -> HttpResponse:
    response = HttpResponse(reason + "\n", status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def access(request) -> HttpResponse | None:
    """None when the request may read the metrics, else the refusal (401/403, plain text, no
    figures). A token that is sent is checked even from an allowed network: a wrong, expired or
    misplaced token is a 401, not silently ignored."""
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed as exc:
        return _refuse(401, str(exc.detail))
    if found is not None:
        user, token = found
        if not user.has_perm(PERMISSION):
            return _refuse(403, _("This token's user may not view assets."))
        request.user, request.auth = user, token  # as DRF has them: the request log, scope_of
        return None
    networks = allowed_networks()
    if not networks:
        return _refuse(401, _("A token is required: Authorization: Bearer <key>."))
    if _within(client_address(request), networks):
        return None
    return _refuse(403, _("This address may not read the metrics without a token."))


# --- the figures --------------------------------------------------------------------------------


def today() -> dt.date:
    return timezone.localdate()


def kpis(at: dt.date) -> dict:
    """``lifecycle.snapshots.compute(at)`` for every unit and the city (keys: unit id, None),
    cached until the stored answers or the set of assets change, or the day."""
    from lifecycle import snapshots

    key = f"metrics:kpis:{at.isoformat()}:{':'.join(map(str, state.version()))}"
    found = cache.get(key)
    if found is None:
        found = {"computed": timezone.now().timestamp(), "rows": snapshots.compute(at)}
        cache.set(key, found, timeout=KPI_CACHE_SECONDS)
    return found


def _number(value) -> float:
    return float(value)


class MetricsCollector:
    """The families of one scrape, read when ``collect()`` runs (``generate_latest``)."""

    def __init__(self, at: dt.date, seen: Visibility):
        self.at = at
        self.seen = seen

    def collect(self):
        yield from self.kpi_families()
        if self.seen.discovery:
            yield from self.discovery_families()

    # KPIs
    def kpi_families(self):
        figures = kpis(self.at)
        units = {
            pk: (slug, name, parent or "")
            for pk, slug, name, parent in OrgUnit.objects.values_list("pk", "slug", "name", "parent__slug")
        }
        labelled = sorted(
            (CITY if unit_id is None else units[unit_id][0], unit_id, row)
            for unit_id, row in figures["rows"].items()
            if (unit_id is None or unit_id in units) and self.seen.shows(unit_id)
        )
        rows = [(unit, row) for unit, _unit_id, row in labelled]
        info = GaugeMetricFamily(
            "werterhalt_org_unit_info", "An org unit's name and parent (slug), for joins; always 1",
            labels=["org_unit", "name", "parent"],
        )
        for pk, (slug, name, parent) in sorted(units.items(), key=lambda u: u[1][0]):
            if self.seen.shows(pk):
                info.add_metric([slug, name, parent], 1)
        yield info
        for field, name, help_text, factor in KPIS:
            family = GaugeMetricFamily(name, help_text, labels=["org_unit"])
            for unit, row in rows:
                if row.get(field) is not None:
                    family.add_metric([unit], _number(Decimal(str(row[field])) * factor))
            yield family
        risk = GaugeMetricFamily(
            "werterhalt_assets_by_risk", "Assets in use by risk (low, medium, high, critical)",
            labels=["org_unit", "risk"],
        )
        for unit, row in rows:
            for level in RISKS:
                risk.add_metric([unit, level], _number(row[f"risk_{level}"]))
        yield risk
        yield GaugeMetricFamily(
            "werterhalt_kpi_computed_timestamp_seconds",
            "When the KPIs above were computed (they are cached until the lifecycle answers change)",
            value=figures["computed"],
        )
        yield from self.target_families(labelled)

    @staticmethod
    def target_families(labelled):
        """The Monitoring page's targets and traffic lights (``lifecycle.monitoring``) of today's
        figures: a unit's own target, else the general one. Two queries, and one more per unit
        that has targets of its own."""
        from lifecycle import monitoring
        from lifecycle.models import KpiTarget

        general = monitoring.targets(None)
        own = set(KpiTarget.objects.filter(org_unit__isnull=False).values_list("org_unit_id", flat=True))
        target = GaugeMetricFamily(
            "werterhalt_kpi_target",
            "The monitoring's target of a figure (kpi: its code) in the figure's metric unit "
            "(ratio, CHF, count, years); direction at_most or at_least",
            labels=["org_unit", "kpi", "direction"],
        )
        light = GaugeMetricFamily(
            "werterhalt_kpi_target_light",
            "1 for the figure's traffic light against its target (green: met, amber: missed by no "
            "more than the tolerance, red: missed by more), 0 for the others",
            labels=["org_unit", "kpi", "light"],
        )
        for unit, unit_id, row in labelled:
            found = monitoring.targets(unit_id) if unit_id in own else general
            for kpi, t in sorted(found.items()):
                if kpi not in row:
                    continue
                target.add_metric([unit, kpi, t.direction], _number(t.value * FACTORS.get(kpi, 1)))
                shown = monitoring.light(row[kpi], t)
                if shown != monitoring.NONE:
                    for value in (monitoring.GREEN, monitoring.AMBER, monitoring.RED):
                        light.add_metric([unit, kpi, value], 1 if shown == value else 0)
        yield target
        yield light

    # discovery
    def discovery_families(self):
        schedules = list(DiscoverySchedule.objects.select_related("last_run").order_by("name"))
        lasts = [(s.name, s.last_run) for s in schedules]
        unscheduled = DiscoveryRun.objects.filter(schedule__isnull=True).order_by("-started", "-pk").first()
        if unscheduled is not None:
            lasts.append(("", unscheduled))
        runs = [(name, run) for name, run in lasts if run is not None]

        enabled = GaugeMetricFamily(
            "werterhalt_discovery_schedule_enabled", "1 if the discovery schedule is enabled, else 0",
            labels=["schedule"],
        )
        next_run = GaugeMetricFamily(
            "werterhalt_discovery_schedule_next_run_timestamp_seconds",
            "When the schedule fires next (absent when not planned)", labels=["schedule"],
        )
        for s in schedules:
            enabled.add_metric([s.name], 1 if s.enabled else 0)
            if s.next_run is not None:
                next_run.add_metric([s.name], s.next_run.timestamp())
        yield enabled
        yield next_run

        started = GaugeMetricFamily(
            "werterhalt_discovery_last_run_start_timestamp_seconds",
            'When the last run of the schedule started (schedule="": the last run not started by a schedule)',
            labels=["schedule"],
        )
        finished = GaugeMetricFamily(
            "werterhalt_discovery_last_run_end_timestamp_seconds",
            "When the last run of the schedule finished (absent while it runs)", labels=["schedule"],
        )
        duration = GaugeMetricFamily(
            "werterhalt_discovery_last_run_duration_seconds",
            "How long the last run of the schedule took (absent while it runs)", labels=["schedule"],
        )
        status = GaugeMetricFamily(
            "werterhalt_discovery_last_run_status",
            "1 for the status of the last run of the schedule, 0 for the others",
            labels=["schedule", "status"],
        )
        hosts = GaugeMetricFamily(
            "werterhalt_discovery_last_run_hosts",
            "Hosts the last run of the schedule tried, by outcome (success, failed)",
            labels=["schedule", "outcome"],
        )
        for name, run in runs:
            started.add_metric([name], run.started.timestamp())
            if run.finished is not None:
                finished.add_metric([name], run.finished.timestamp())
                duration.add_metric([name], (run.finished - run.started).total_seconds())
            for value in RunStatus.values:
                status.add_metric([name, value], 1 if run.status == value else 0)
            hosts.add_metric([name, HostOutcome.SUCCESS.value], run.hosts_succeeded)
            hosts.add_metric([name, HostOutcome.FAILED.value], run.hosts_failed)
        yield from (started, finished, duration, status, hosts)

        failed = {
            (row["run_id"], row["reason"] or HostReason.ERROR): row["n"]
            for row in DiscoveryHost.objects.filter(run__in=[r for _, r in runs], outcome=HostOutcome.FAILED)
            .values("run_id", "reason").annotate(n=Count("pk")).order_by()
        }
        reasons = GaugeMetricFamily(
            "werterhalt_discovery_last_run_failed_hosts",
            "Hosts that failed in the last run of the schedule, by reason", labels=["schedule", "reason"],
        )
        for name, run in runs:
            extra = sorted({r for (run_id, r) in failed if run_id == run.pk} - set(HostReason.values))
            for reason in [*HostReason.values, *extra]:
                reasons.add_metric([name, reason], failed.get((run.pk, reason), 0))
        yield reasons
        yield from self.queue_families()

    @staticmethod
    def queue_families():
        facts = jobs.health()
        yield GaugeMetricFamily(
            "werterhalt_discovery_runs_running", "Discovery runs in progress", value=facts["runs_running"]
        )
        shards = GaugeMetricFamily(
            "werterhalt_discovery_shards",
            "Shards of distributed runs waiting for a worker (queued) or running",
            labels=["state"],
        )
        for key in ("queued", "running"):
            shards.add_metric([key], facts[f"shards_{key}"])
        yield shards
        yield GaugeMetricFamily(
            "werterhalt_discovery_shards_stale",
            "Running shards without a sign of life for DISCOVERY_STALE_AFTER seconds (given up soon)",
            value=facts["shards_stale"],
        )
        if not facts["redis"]:
            return  # without Redis, schedules run from cron: there is no queue to report
        up = not facts["error"]
        yield GaugeMetricFamily(
            "werterhalt_discovery_queue_up", "1 if Redis (the discovery queue) answered, else 0",
            value=1 if up else 0,
        )
        if not up:
            return
        jobs_family = GaugeMetricFamily(
            "werterhalt_discovery_queue_jobs", "Jobs of the discovery queue by RQ registry",
            labels=["queue", "state"],
        )
        for key, value in sorted(facts["counts"].items()):
            jobs_family.add_metric([facts["queue_name"], key], value)
        yield jobs_family
        yield GaugeMetricFamily(
            "werterhalt_discovery_workers", "RQ workers serving the discovery queue",
            value=len(facts["workers"]),
        )
        yield GaugeMetricFamily(
            "werterhalt_discovery_scheduler_up", "1 if an RQ scheduler fires the schedules, else 0",
            value=1 if facts["scheduler"] else 0,
        )
        yield GaugeMetricFamily(
            "werterhalt_discovery_schedules_unplanned",
            "Enabled schedules whose next firing is missing from the queue", value=len(facts["unplanned"]),
        )


@login_not_required  # does its own check: a script must not be redirected to the login form
@require_safe
def metrics_view(request):
    refused = access(request)
    if refused is not None:
        return refused
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MetricsCollector(today(), visibility(request)))
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
