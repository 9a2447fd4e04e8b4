"""Lifecycle choices. Status values equal the constants in ``lifecycle.rules`` (floor 1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from werterhalt.choices import ColoredChoices


class ContractKind(models.TextChoices):
    SUPPORT = "support", _("Support")
    WARRANTY = "warranty", _("Warranty")
    MAINTENANCE = "maintenance", _("Maintenance")
    LICENCE = "licence", _("Licence")


class SupportMilestone(models.TextChoices):
    LAST_DATE_OF_SUPPORT = "last_date_of_support", _("Last date of support")
    END_OF_SECURITY_SUPPORT = "end_of_security_support", _("End of security support")
    END_OF_SW_MAINTENANCE = "end_of_sw_maintenance", _("End of software maintenance")


class SupportStatus(ColoredChoices):
    SUPPORTED = "supported", _("Supported")
    SUPPORTED_NO_END = "supported_no_end", _("Supported, end not announced")
    END_OF_SALE = "end_of_sale", _("End of sale")
    MAINTENANCE_ENDING = "maintenance_ending", _("Support ending")
    SECURITY_ONLY = "security_only", _("Security fixes only")
    UNSUPPORTED = "unsupported", _("Unsupported")
    UNKNOWN = "unknown", _("Unknown")


SupportStatus._colors = {
    "supported": "success",
    "supported_no_end": "success",
    "end_of_sale": "info",
    "maintenance_ending": "warning",
    "security_only": "warning",
    "unsupported": "danger",
    "unknown": "secondary",
}


class Coverage(ColoredChoices):
    COVERED = "covered", _("Covered")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    NONE = "none", _("No contract")


Coverage._colors = {"covered": "success", "expiring": "warning", "expired": "danger", "none": "secondary"}


class Risk(ColoredChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


Risk._colors = {"low": "success", "medium": "info", "high": "warning", "critical": "danger"}


class ReplacementBasis(models.TextChoices):
    """What a replace-by date comes from (``lifecycle.rules.BASIS_*``)."""

    SUPPORT = "support", _("End of support")
    SERVICE_LIFE = "service_life", _("Service life")
    NONE = "none", _("No dates")


class StartSource(models.TextChoices):
    """Which date an asset's service life counts from (``lifecycle.rules.START_*``)."""

    IN_SERVICE = "in_service_date", _("in service date")
    PURCHASE = "purchase_date", _("purchase date")
    FIRST_SEEN = "first_seen", _("first seen")
    NONE = "", _("no date")


class CostSource(models.TextChoices):
    """Where a replacement cost comes from, in the order tried (``lifecycle.rules.COST_*``)."""

    LIST_PRICE = "list_price", _("List price")
    POLICY = "policy", _("Policy default")
    PURCHASE = "purchase", _("Purchase cost")
    UNKNOWN = "unknown", _("Unknown")


class Usage(models.TextChoices):
    """Which assets count (``lifecycle.rules.USAGE``): figures and plans count those in use."""

    IN_USE = "in_use", _("In use")
    SPARE = "spare", _("Spares")
    PLANNED = "planned", _("Planned")
    DECOMMISSIONED = "decommissioned", _("Decommissioned")


class Kpi(models.TextChoices):
    """The strategic monitoring's figures that can have a target (``KpiSnapshot``'s fields)."""

    ASSETS_IN_USE = "assets_in_use", _("Assets in use")
    HW_OUT_SHARE = "hw_out_share", _("Out of hardware support (%)")
    HW_OUT_VALUE_SHARE = "hw_out_value_share", _("Out of hardware support, value (%)")
    SW_OUT_SHARE = "sw_out_share", _("Out of software support (%)")
    SW_OUT_VALUE_SHARE = "sw_out_value_share", _("Out of software support, value (%)")
    NO_CONTRACT_SHARE = "no_contract_share", _("Without a contract (%)")
    BACKLOG_COST = "backlog_cost", _("Backlog (CHF)")
    DUE_1Y_COST = "due_1y_cost", _("Due within 1 year (CHF)")
    DUE_3Y_COST = "due_3y_cost", _("Due within 3 years (CHF)")
    DUE_5Y_COST = "due_5y_cost", _("Due within 5 years (CHF)")
    BOOK_VALUE = "book_value", _("Book value (CHF)")
    REPLACEMENT_VALUE = "replacement_value", _("Replacement value (CHF)")
    AVERAGE_AGE = "average_age", _("Average age (years)")
    RISK_HIGH = "risk_high", _("High risk")
    RISK_CRITICAL = "risk_critical", _("Critical risk")
    NOT_SEEN_30D = "not_seen_30d", _("Not seen for 30 days")


class TargetDirection(models.TextChoices):
    AT_MOST = "at_most", _("at most")
    AT_LEAST = "at_least", _("at least")
