"""``/api/lifecycle/snapshots/`` (issue #16): the monitoring's snapshots read-only, money as
numbers, the filters (org unit, city, dates), ordering, and 400 naming the parameter for every
bad value. The snapshots are tests/lifecycle/test_monitoring.py's ``world``: Bildung and the city
monthly 2024-01-01 … 2025-12-01, Schulamt three and Finanzen one."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle.models import KpiSnapshot
from tests.api.conftest import make_user, results, token_client
from tests.lifecycle.test_monitoring import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
URL = "/api/lifecycle/snapshots/"


def test_a_snapshot_reads_with_money_as_numbers(world, viewer):  # noqa: F811
    row = KpiSnapshot.objects.get(at=dt.date(2025, 12, 1), org_unit=world["bildung"])
    data = viewer.get(f"{URL}{row.pk}/").json()
    assert data["org_unit"]["id"] == world["bildung"].pk and data["org_unit"]["name"] == "Bildung"
    assert data["at"] == "2025-12-01"
    assert data["backlog_cost"] == 24000.5 and isinstance(data["backlog_cost"], float)
    assert data["book_value"] == 1234.5
    assert (data["hw_out_share"], data["assets_in_use"], data["average_age"]) == (11.5, 123, 4.3)
    assert (data["not_seen_30d"], data["backfilled"]) == (3, False)
    assert data["url"].endswith(f"{URL}{row.pk}/")
    city = results(viewer.get(URL, {"city": "true", "at": "2025-12-01"}))
    assert len(city) == 1 and city[0]["org_unit"] is None and city[0]["hw_out_share"] == 20.8


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"city": "true"}, 24),
        ({"city": "false"}, 24 + 3 + 1),
        ({"at": "2025-12-01"}, 4),  # Bildung, the city, Schulamt and Finanzen
        ({"at__gte": "2025-12-01"}, 5),  # and Schulamt's second December snapshot
        ({"at__lte": "2024-06-30", "city": "true"}, 6),
        ({"at__gte": "2025-01-01", "at__lte": "2025-03-31"}, 6),
    ],
)
def test_filters(world, viewer, params, expected):  # noqa: F811
    assert viewer.get(URL, {**params, "limit": 1000}).json()["count"] == expected


def test_filter_by_org_unit_and_order(world, viewer):  # noqa: F811
    rows = results(viewer.get(URL, {"org_unit": world["schulamt"].pk}))
    assert [r["at"] for r in rows] == ["2025-12-15", "2025-12-01", "2025-09-01"]  # newest first
    rows = results(viewer.get(URL, {"org_unit": world["schulamt"].pk, "ordering": "hw_out_share"}))
    assert [r["hw_out_share"] for r in rows] == [3.0, 7.0, 9.0]
    both = viewer.get(URL, {"org_unit": [world["schulamt"].pk, world["finanzen"].pk]}).json()
    assert both["count"] == 4
    rows = results(viewer.get(URL, {"city": "true", "ordering": "-backlog_cost,at", "limit": 2}))
    assert [r["at"] for r in rows] == ["2024-01-01", "2024-02-01"]  # all CHF 1'234.50: by date


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("org_unit", "abc"), ("org_unit", "0"), ("org_unit", "999999"), ("org_unit", "9" * 40),
        ("org_unit", "null"), ("city", "maybe"), ("city", "1"), ("at", "2025-13-01"), ("at", "abc"),
        ("at", "0000-01-01"), ("at__gte", "10000-01-01"), ("at__lte", "1.5"), ("id", "x"),
    ],
)
def test_bad_values_are_400_naming_the_parameter(world, viewer, name, value):  # noqa: F811
    response = viewer.get(URL, {name: value})
    assert response.status_code == 400, response.content
    assert name in response.json()


def test_read_only_and_for_those_who_may_view(world, anonymous):  # noqa: F811
    admin = token_client(make_user("admin"), write=True)
    before = KpiSnapshot.objects.count()
    # nobody holds add/delete permissions on snapshots (refused before the method is looked at)
    assert admin.post(URL, {"at": "2026-01-01"}, format="json").status_code in (403, 405)
    row = KpiSnapshot.objects.first()
    assert admin.delete(f"{URL}{row.pk}/").status_code in (403, 405)
    assert KpiSnapshot.objects.count() == before
    assert anonymous.get(URL).status_code in (401, 403)


def test_a_list_costs_the_same_queries_for_5_rows_as_for_52(world, viewer):  # noqa: F811
    counts = {}
    for limit in (5, 100):
        with CaptureQueriesContext(connection) as queries:
            assert len(results(viewer.get(URL, {"limit": limit}))) == min(limit, 52)
        counts[limit] = len(queries)
        # the count and the rows with their units (authentication and scopes besides)
        assert sum("lifecycle_kpisnapshot" in q["sql"] for q in queries.captured_queries) == 2
    assert counts[100] <= counts[5]  # (the token's last use is stamped once a minute)
