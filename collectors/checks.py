"""System checks of the discovery settings (``manage.py check``, and every command that runs them).

DISCOVERY_ALLOW bounds every address discovery connects to (``collectors.hosts.refusal``). Empty,
it bounds nothing: an engineer who can enter a management address can send discovery, and the
device credentials, to a machine of their own. Existing installs keep working, with a warning.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core import checks

HINT = (
    "Set DISCOVERY_ALLOW to the prefixes of your management networks, comma-separated, "
    "e.g. DISCOVERY_ALLOW=10.0.0.0/8,192.168.0.0/16."
)


def discovery_allow_valid(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every command: a prefix that is not one (discovery refuses to run with it)."""
    allow = getattr(settings, "DISCOVERY_ALLOW", None)
    if isinstance(allow, str):
        return [
            checks.Error(
                f"DISCOVERY_ALLOW must be a list of prefixes, not the string {allow!r}.",
                hint=HINT,
                id="collectors.E001",
            )
        ]
    messages: list[checks.CheckMessage] = []
    for p in allow or []:
        try:
            ipaddress.ip_network(str(p).strip(), strict=False)
        except ValueError:
            messages.append(
                checks.Error(
                    f"DISCOVERY_ALLOW: {p!r} is not an IP prefix; discovery refuses to run until it is "
                    "corrected.",
                    hint=HINT,
                    id="collectors.E001",
                )
            )
    return messages


def discovery_allow(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """``check --deploy`` and the web process's start: DISCOVERY_ALLOW empty on an install whose
    database holds hosts discovery would connect to (W001), or a prefix that holds every address
    (W002). A deployment check, as Django's own security warnings are: on every command it would
    be printed to the stderr of each ``manage.py`` call of an install that has not set it yet."""
    allow = getattr(settings, "DISCOVERY_ALLOW", None)
    if isinstance(allow, str):
        return []  # discovery_allow_valid reports it
    if not list(allow or []):
        if not _database_hosts():  # nothing an engineer entered can be reached yet
            return []
        return [
            checks.Warning(
                "DISCOVERY_ALLOW is not set: discovery connects to any address an engineer enters "
                "(a management address, an inventory folder, a schedule) and logs in there with the "
                "device credentials.",
                hint=HINT,
                id="collectors.W001",
            )
        ]
    messages: list[checks.CheckMessage] = []
    for p in allow:
        try:
            net = ipaddress.ip_network(str(p).strip(), strict=False)
        except ValueError:
            continue  # discovery_allow_valid reports it
        if net.prefixlen == 0:
            messages.append(
                checks.Warning(
                    f"DISCOVERY_ALLOW contains {net}, which allows every address: discovery connects "
                    "to any address an engineer enters.",
                    hint=HINT,
                    id="collectors.W002",
                )
            )
    return messages


def startup_warnings() -> list[str]:
    """What a web process logs when it starts (``werterhalt/wsgi.py``): ``discovery_allow``'s
    warnings. Not a system check of every command: each ``manage.py`` call would print them."""
    return [f"{m.id}: {m.msg} {m.hint}" for m in discovery_allow()]


def _database_hosts() -> bool:
    """Can discovery reach hosts from the database — assets with a management address, or
    schedules? A database without the tables yet (not migrated) has none."""
    from django.db import DatabaseError

    from collectors.models import DiscoverySchedule
    from inventory.models import Asset

    try:
        return Asset.objects.exclude(management_address=None).exists() or DiscoverySchedule.objects.exists()
    except DatabaseError:
        return False
