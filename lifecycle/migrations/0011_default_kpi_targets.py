"""General targets of the strategic monitoring (issue #16), every unit's and the city's until a
unit gets its own: at most 5 % of the assets in use out of hardware support and at most 5 % out
of software support (amber up to 10 %), at most 10 % without a contract (amber up to 20 %).
Planners change them in the admin (*KPI targets*). Reversing deletes these general targets."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [  # (kpi, value, tolerance), all "at most"
    ("hw_out_share", Decimal("5"), Decimal("5")),
    ("sw_out_share", Decimal("5"), Decimal("5")),
    ("no_contract_share", Decimal("10"), Decimal("10")),
]


def create(apps, schema_editor):
    KpiTarget = apps.get_model("lifecycle", "KpiTarget")
    for kpi, value, tolerance in DEFAULTS:
        if not KpiTarget.objects.filter(kpi=kpi, org_unit__isnull=True).exists():
            KpiTarget.objects.create(kpi=kpi, org_unit=None, direction="at_most", value=value,
                                     tolerance=tolerance)


def delete(apps, schema_editor):
    KpiTarget = apps.get_model("lifecycle", "KpiTarget")
    KpiTarget.objects.filter(org_unit__isnull=True, kpi__in=[kpi for kpi, _v, _t in DEFAULTS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("lifecycle", "0010_kpi_target"),
    ]

    operations = [migrations.RunPython(create, delete)]
