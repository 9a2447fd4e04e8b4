"""Choices of discovery runs and host outcomes, each with a label and a colour."""

from django.utils.translation import gettext_lazy as _

from inventory.choices import ColoredChoices


class RunStatus(ColoredChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    PARTIAL = "partial", _("Completed with failures")
    FAILED = "failed", _("Failed")


RunStatus._colors = {"running": "info", "completed": "success", "partial": "warning", "failed": "danger"}


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
    ERROR = "error", _("Other error")
