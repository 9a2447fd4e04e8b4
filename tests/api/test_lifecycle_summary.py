"""/api/lifecycle/summary/: the figures of lifecycle.figures, for the whole inventory or a part."""

import datetime as dt
from decimal import Decimal

import pytest

from lifecycle import figures, state
from tests.factories import AssetFactory, HardwareModelFactory, OrgUnitFactory

pytestmark = pytest.mark.django_db
URL = "/api/lifecycle/summary/"
AT = dt.date(2026, 6, 15)


@pytest.fixture
def inventory():
    city = OrgUnitFactory(name="City")
    school = OrgUnitFactory(name="School", parent=city)
    model = HardwareModelFactory(list_price=Decimal("1000.00"))
    AssetFactory(
        hardware_model=model, org_unit=school, purchase_date=dt.date(2016, 1, 1), in_service_date=None
    )
    AssetFactory(hardware_model=model, org_unit=city, purchase_date=dt.date(2024, 1, 1), in_service_date=None)
    AssetFactory(hardware_model=model, org_unit=school, status="spare")
    AssetFactory(hardware_model=model, org_unit=school, status="decommissioned")
    state.refresh(at=AT)
    return {"city": city, "school": school}


def test_summary_is_the_figures_of_the_whole_inventory(viewer, inventory):
    body = viewer.get(URL, {"at": AT.isoformat()}).json()
    assert body == figures.jsonable(figures.summarize(AT))
    assert body["count"] == 2 and body["assets"] == 4
    assert body["usage"]["spare"]["count"] == 1 and body["usage"]["decommissioned"]["count"] == 1
    assert body["backlog"] == 1 and body["backlog_cost"] == 1000.0  # 2016 + 8 years < AT
    assert body["buckets"][0] == {"bucket": "backlog", "year": None, "count": 1, "cost": 1000.0}


def test_summary_of_an_org_unit_includes_the_units_below(viewer, inventory):
    school = viewer.get(URL, {"at": AT.isoformat(), "org_unit": inventory["school"].pk}).json()
    assert school["count"] == 1 and school["assets"] == 3
    city = viewer.get(URL, {"at": AT.isoformat(), "org_unit": inventory["city"].pk}).json()
    assert city["count"] == 2


def test_summary_on_another_day_is_evaluated_for_that_day(viewer, inventory):
    later = viewer.get(URL, {"at": "2032-06-15"}).json()
    assert later["at"] == "2032-06-15" and later["backlog"] == 2  # both overdue by then


@pytest.mark.parametrize(
    "params", [{"at": "2026-02-30"}, {"at": "0001-01-01"}, {"org_unit": "abc"}, {"site": 999999}]
)
def test_bad_parameters_are_400_naming_the_field(viewer, params):
    response = viewer.get(URL, params)
    assert response.status_code == 400 and set(response.json()) == set(params)


def test_summary_needs_a_login(anonymous):
    assert anonymous.get(URL).status_code in (401, 403)
