"""The Planning page: filters, charts, tables and downloads (Django test client; the browser test
is in test_browser.py). The inventory is test_planning's (AT = 2027-01-15)."""

import csv
import io
import json

import openpyxl
import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.lifecycle.test_planning import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
URL = "/planning/"


@pytest.fixture
def viewer(client):
    client.force_login(UserFactory(groups=["viewer"]))
    return client


@pytest.fixture
def planner(client):
    client.force_login(UserFactory(groups=["planner"]))
    return client


def bars(chart) -> dict:
    return {b.label: float(b.value) for b in chart["bars"]}


def test_planning_page_filters_change_the_chart_tables_and_downloads(viewer, world):  # noqa: F811
    assert reverse("lifecycle:planning") == URL
    page = viewer.get(URL, {"at": "2027-01-15", "budget": "2500"})
    assert page.status_code == 200
    context = page.context
    assert context["totals"]["due"] == 8 and context["totals"]["due_cost"] == 28000
    assert bars(context["budget_chart"])["Backlog"] == 3000 and bars(context["budget_chart"])["2027"] == 8000
    assert [y["spent"] for y in context["capped_years"][:3]] == [2000, 1000, 2000]
    body = page.content.decode()
    assert 'id="download-xlsx"' not in body  # downloads are for those who may export plans
    assert viewer.get(URL, {"at": "2027-01-15", "download": "csv"}).status_code == 403
    assert ">nan<" not in body and ">NaT<" not in body
    # the world has 9 assets, one decommissioned: the page counts the 8 in use
    assert '<div class="stat" id="assets-in-use">8</div>' in body

    planner = viewer
    planner.force_login(UserFactory(groups=["planner"]))
    body = planner.get(URL, {"at": "2027-01-15", "budget": "2500"}).content.decode()
    assert 'id="download-xlsx"' in body and "budget=2500" in body
    schools = viewer.get(URL, {"at": "2027-01-15", "org_unit": world["schools"].pk})
    assert bars(schools.context["budget_chart"])["Backlog"] == 2000  # a1 + a9, not a2 of IT
    assert schools.context["capped_years"] is None
    csv_rows = list(
        csv.DictReader(
            io.StringIO(
                planner.get(
                    URL, {"at": "2027-01-15", "org_unit": world["schools"].pk, "download": "csv"}
                ).content.decode()
            )
        )
    )
    assert [r["name"] for r in csv_rows] == ["a1", "a9", "a5", "a3"]

    data = json.loads(planner.get(URL, {"at": "2027-01-15", "budget": "2500", "download": "json"}).content)
    assert data["totals"]["backlog"] == 3 and data["capped_plan"][0]["spent"] == 2000

    response = planner.get(URL, {"at": "2027-01-15", "budget": "2500", "download": "xlsx"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('2027-01-15.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Summary", "Org units", "Schedule", "Budget", "Capped plan", "Scenarios"]


def test_what_if_on_the_page(viewer, world):  # noqa: F811
    base = bars(viewer.get(URL, {"at": "2027-01-15"}).context["budget_chart"])
    longer = bars(viewer.get(URL, {"at": "2027-01-15", "extend_years": "2"}).context["budget_chart"])
    assert base["2030"] == 5000 and longer["2030"] == 0
    assert longer["2032"] == 5000  # a4, two years later
    assert longer["2033"] == 10000  # a6 would be 2034, but its support ends 2033-12-31 (as a8)


def test_bad_plan_input_is_reported(viewer, world):  # noqa: F811
    response = viewer.get(URL, {"horizon": "0", "budget": "-1", "at": "2027-02-30"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"horizon", "budget", "at"}


def test_planning_needs_a_login(client):
    assert client.get(URL).status_code == 302


def test_budget_by_site_category_and_quarter(viewer, world):  # noqa: F811
    by_category = viewer.get(URL, {"at": "2027-01-15", "group_by": "category"}).context["forecast"]
    assert list(by_category.columns) == ["firewall", "switch"] and by_category.loc["2027", "firewall"] == 8000
    quarters = viewer.get(URL, {"at": "2027-01-15", "period": "quarter"}).context["forecast"]
    assert quarters.index[1] == "2027Q1" and quarters.loc["2027Q1"].sum() == 8000
    by_site = viewer.get(URL, {"at": "2027-01-15", "group_by": "site"}).context["forecast"]
    assert by_site.loc["backlog"].sum() == 3000 and len(by_site.columns) >= 1
