"""Choices used by the inventory, each value with a label and a colour for templates."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from werterhalt.choices import ColoredChoices


class AssetStatus(ColoredChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    SPARE = "spare", _("Spare")
    MAINTENANCE = "maintenance", _("Maintenance")
    DECOMMISSIONED = "decommissioned", _("Decommissioned")


AssetStatus._colors = {
    "planned": "info",
    "active": "success",
    "spare": "secondary",
    "maintenance": "warning",
    "decommissioned": "dark",
}


class AssetSource(models.TextChoices):
    MANUAL = "manual", _("Manual")
    DISCOVERY = "discovery", _("Discovery")
    IMPORT = "import", _("Import")
    NETBOX = "netbox", _("NetBox")


class HardwareCategory(models.TextChoices):
    SWITCH = "switch", _("Switch")
    ROUTER = "router", _("Router")
    FIREWALL = "firewall", _("Firewall")
    WIRELESS = "wireless", _("Wireless")
    SERVER = "server", _("Server")
    STORAGE = "storage", _("Storage")
    UPS = "ups", _("UPS")
    PRINTER = "printer", _("Printer")
    APPLIANCE = "appliance", _("Appliance")
    MODULE = "module", _("Module")
    OTHER = "other", _("Other")


class ChangeAction(ColoredChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


ChangeAction._colors = {"create": "success", "update": "primary", "delete": "danger"}


class ActorKind(models.TextChoices):
    USER = "user", _("Person")
    TOKEN = "token", _("API token")
    IMPORT = "import", _("Import")
    DISCOVERY = "discovery", _("Discovery")
    SYSTEM = "system", _("System")
