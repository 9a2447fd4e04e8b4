"""Choices of discovery runs and host outcomes, each with a label and a colour."""

from django.utils.translation import gettext_lazy as _

from werterhalt.choices import ColoredChoices


class RunStatus(ColoredChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    PARTIAL = "partial", _("Completed with failures")
    INCOMPLETE = "incomplete", _("Incomplete")
    FAILED = "failed", _("Failed")


RunStatus._colors = {
    "running": "info",
    "completed": "success",
    "partial": "warning",
    "incomplete": "warning",
    "failed": "danger",
}


class ShardStatus(ColoredChoices):
    """One share of a distributed run, done by one RQ job."""

    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    LOST = "lost", _("Lost")
    FAILED = "failed", _("Failed")


ShardStatus._colors = {
    "queued": "secondary",
    "running": "info",
    "done": "success",
    "lost": "danger",
    "failed": "danger",
}


class RunTrigger(ColoredChoices):
    COMMAND = "command", _("Command line")
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Run now")


RunTrigger._colors = {"command": "secondary", "schedule": "info", "manual": "primary"}


class HostOutcome(ColoredChoices):
    SUCCESS = "success", _("Success")
    FAILED = "failed", _("Failed")


HostOutcome._colors = {"success": "success", "failed": "danger"}


class HostReason(ColoredChoices):
    """Why a host failed. Values equal ``collectors.tasks.Reason`` (floor 1 has no Django)."""

    AUTH = "auth", _("Authentication failed")
    TIMEOUT = "timeout", _("Timeout")
    UNREACHABLE = "unreachable", _("Unreachable")
    UNSUPPORTED = "unsupported", _("Unsupported platform")
    UNPARSABLE = "unparsable", _("Unparsable output")
    CONFLICT = "conflict", _("Conflicts with the inventory")
    NOT_ALLOWED = "not allowed", _("Not allowed")  # outside DISCOVERY_ALLOW, or plain-HTTP BMC
    HOST_KEY_CHANGED = "host key changed", _("Host key changed")  # collectors.hostkeys
    ERROR = "error", _("Other error")


class ScheduleAction(ColoredChoices):
    DISCOVER = "discover", _("Discovery")
    DISCOVER_NETBOX = "discover-netbox", _("Discovery from NetBox")
    NETBOX_PULL = "netbox-pull", _("NetBox pull")
    NETBOX_PUSH = "netbox-push", _("NetBox push")


ScheduleAction._colors = {
    "discover": "primary", "discover-netbox": "primary", "netbox-pull": "info", "netbox-push": "info",
}


class NetBoxOrgUnits(ColoredChoices):
    TENANT = "tenant", _("Tenants")
    REGION = "region", _("Regions")
    SITE_GROUP = "site_group", _("Site groups")


NetBoxOrgUnits._colors = {}


class NetBoxKind(ColoredChoices):
    TENANT = "tenant", _("Tenant")
    REGION = "region", _("Region")
    SITE_GROUP = "site_group", _("Site group")
    SITE = "site", _("Site")
    MANUFACTURER = "manufacturer", _("Manufacturer")
    DEVICE_TYPE = "device_type", _("Device type")
    PLATFORM = "platform", _("Platform")
    DEVICE = "device", _("Device")


NetBoxKind._colors = {}
