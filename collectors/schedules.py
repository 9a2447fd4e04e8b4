"""When a discovery schedule fires, which hosts it takes, and how a run is cut into shards.

Plain functions: the RQ jobs (``collectors.jobs``), the ``schedules`` command (cron, no Redis),
the UI and the API all call these. Nothing here talks to Redis.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from urllib.parse import parse_qs

from croniter import CroniterBadCronError, CroniterBadDateError, croniter
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def check_cron(expression: str) -> None:
    """Raise ValueError naming what is wrong with a five-field cron expression."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            _(
                "%(expression)r has %(n)s fields; a cron expression has five: "
                "minute hour day-of-month month day-of-week (e.g. 30 2 * * 1-5)"
            )
            % {"expression": expression, "n": len(fields)}
        )
    try:
        croniter(expression)
    except (CroniterBadCronError, ValueError, KeyError) as e:
        raise ValueError(
            _("%(expression)r is not a valid cron expression: %(error)s")
            % {"expression": expression, "error": e}
        ) from None
    try:  # valid, but a day that never comes (31 February) would fail at the first planning
        croniter(expression, dt.datetime(2000, 1, 1)).get_next(dt.datetime)
    except CroniterBadDateError:
        raise ValueError(_("%(expression)r never fires (no such day)") % {"expression": expression}) from None


def next_fire(*, interval: int | None, cron: str, after: dt.datetime) -> dt.datetime:
    """The first firing strictly after ``after``: ``after + interval`` minutes, or the cron
    expression's next match in the server's time zone (daylight-saving changes follow the
    wall clock, as cron does)."""
    if timezone.is_naive(after):
        raise ValueError("after must be an aware datetime")
    if cron:
        local = timezone.localtime(after).replace(microsecond=0)
        return croniter(cron, local).get_next(dt.datetime)
    if not interval:
        raise ValueError("a schedule needs an interval or a cron expression")
    return _whole_second(after + dt.timedelta(minutes=interval))


def _whole_second(when: dt.datetime) -> dt.datetime:
    """Rounded up to the second: RQ's scheduler keeps whole seconds and fires on the floor, so a
    firing planned at 12:00:03.4 would start at 12:00:03, before its time."""
    return when if not when.microsecond else when.replace(microsecond=0) + dt.timedelta(seconds=1)


def first_fire(schedule, now: dt.datetime) -> dt.datetime:
    """When a schedule that was just enabled (or edited) fires first: an interval schedule one
    interval after its last firing (now, if that is past), a cron schedule on its next match."""
    if schedule.cron:
        return next_fire(interval=None, cron=schedule.cron, after=now)
    if schedule.last_fired:
        return max(
            _whole_second(now), next_fire(interval=schedule.interval, cron="", after=schedule.last_fired)
        )
    return next_fire(interval=schedule.interval, cron="", after=now)


def due(schedules, now: dt.datetime) -> list:
    """Enabled schedules whose next run has come (cron set-up: ``manage.py schedules due``)."""
    return [s for s in schedules if s.enabled and s.next_run is not None and s.next_run <= now]


# --- which hosts ---------------------------------------------------------------------------------


def _filterset(query: str):
    from inventory.filtersets import AssetFilterSet
    from inventory.models import Asset

    data = parse_qs(query, keep_blank_values=False, strict_parsing=False)
    unknown = sorted(set(data) - set(AssetFilterSet.base_filters))
    if unknown:
        raise ValueError(
            f"unknown filter {', '.join(unknown)} (known: {', '.join(sorted(AssetFilterSet.base_filters))})"
        )
    from django.http import QueryDict

    qd = QueryDict(mutable=True)
    for key, values in data.items():
        qd.setlist(key, values)
    return AssetFilterSet(qd, queryset=Asset.objects.all())


def check_inventory_folder(folder: str) -> Path:
    """The folder a schedule reads its hosts from, resolved (symbolic links followed), or
    ``ValueError``: it must lie under ``DISCOVERY_INVENTORY_ROOT`` — a schedule cannot point
    discovery at ``../../etc`` or any file of the machine. A relative folder is taken below the
    root."""
    root = Path(settings.DISCOVERY_INVENTORY_ROOT).resolve()
    path = (root / folder).resolve()
    if path != root and root not in path.parents:
        raise ValueError(_("must be a folder under %(root)s (DISCOVERY_INVENTORY_ROOT)") % {"root": root})
    return path


def check_asset_filter(query: str) -> None:
    """Raise ValueError naming the filter that is unknown or has a bad value."""
    fs = _filterset(query)
    if not fs.is_valid():
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in fs.errors.items())
        raise ValueError(_("invalid filter: %(problems)s") % {"problems": problems})


def inventory_for(schedule, credentials):
    """The Nornir inventory of a schedule (or of a run that remembers its schedule's source):
    NetBox's devices its NetBox filter selects (action "discover-netbox"), its folder, or the
    assets its filter selects. Raises ``hosts.InventoryError``."""
    from collectors import hosts

    if getattr(schedule, "action", "discover") == "discover-netbox":
        return _netbox_inventory(getattr(schedule, "netbox_filter", "") or "", credentials)
    if schedule.inventory_folder:
        try:  # again here: a worker's DISCOVERY_INVENTORY_ROOT is the one that counts
            folder = check_inventory_folder(schedule.inventory_folder)
        except ValueError as exc:
            raise hosts.InventoryError(f"inventory folder {schedule.inventory_folder}: {exc}") from None
        return hosts.from_folder(folder, credentials)
    queryset = None
    if schedule.asset_filter:
        try:
            fs = _filterset(schedule.asset_filter)
        except ValueError as e:
            raise hosts.InventoryError(f"asset filter: {e}") from None
        if not fs.is_valid():
            raise hosts.InventoryError(f"asset filter: {dict(fs.errors)}")
        queryset = fs.qs
    return hosts.from_database(credentials, queryset=queryset)


def _netbox_inventory(netbox_filter: str, credentials):
    """NetBox's devices as hosts (``collectors.netbox.seeds``); the devices skipped are logged (a
    schedule has no terminal), NetBox's problems are ``hosts.InventoryError``."""
    from collectors import hosts
    from collectors.netbox import connection, seeds
    from collectors.netbox.client import NetBoxError

    try:
        filters = connection.parse_filters(netbox_filter.split())
    except ValueError as e:
        raise hosts.InventoryError(f"NetBox filter: {e}") from None
    try:
        inventory, skipped = seeds.from_netbox(connection.client(credentials), credentials, filters)
    except (connection.NotConfigured, NetBoxError) as e:
        raise hosts.InventoryError(str(e)) from None
    for name, why in skipped.items():
        log.info("NetBox device %s skipped: %s", name, why)
    return inventory


def split(names: list[str], size: int) -> list[list[str]]:
    """Cut the host list into shards of at most ``size`` hosts, spread evenly: 101 hosts in
    shards of 50 give 34 + 34 + 33, not 50 + 50 + 1, so no worker waits on a straggler shard."""
    if size < 1:
        raise ValueError("shard size must be 1 or more")
    if not names:
        return []
    count = -(-len(names) // size)
    base, extra = divmod(len(names), count)
    shards, start = [], 0
    for i in range(count):
        end = start + base + (1 if i < extra else 0)
        shards.append(names[start:end])
        start = end
    return shards
