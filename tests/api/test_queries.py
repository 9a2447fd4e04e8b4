"""Lists cost the same number of queries for 5 rows as for 100 (no N+1)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import Asset, Tag
from lifecycle import state
from lifecycle.models import LifecycleState
from tests.api.conftest import contract, make_user, notice, token_client
from tests.factories import (
    AssetFactory,
    HardwareModelFactory,
    ModuleFactory,
    OrgUnitFactory,
    PlatformFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/inventory/assets/", "/api/inventory/modules/", "/api/inventory/object-changes/",
    "/api/lifecycle/contracts/", "/api/lifecycle/hardware-notices/",
]


@pytest.fixture
def inventory():
    """120 assets with tags, a module, a contract, a notice and stored lifecycle answers."""
    tags = [Tag.objects.create(name=f"t{n}", slug=f"t{n}") for n in range(3)]
    units = [OrgUnitFactory(), OrgUnitFactory()]
    sites = [SiteFactory(org_unit=units[0]), SiteFactory(org_unit=units[1])]
    platform = PlatformFactory()
    models = [HardwareModelFactory() for _ in range(4)]
    assets = []
    for n in range(120):
        asset = AssetFactory(hardware_model=models[n % 4], site=sites[n % 2], org_unit=units[n % 2],
                             platform=platform, replaces=assets[-1] if assets else None)
        asset.tags.set(tags[: 1 + n % 3])
        ModuleFactory(asset=asset, hardware_model=models[(n + 1) % 4])
        assets.append(asset)
        contract(asset, number=f"C-{n}")
        notice(models[n % 4], bulletin=f"EOL{n}", last_date_of_support=dt.date(2031, 1, 31))
    state.refresh()
    assert LifecycleState.objects.count() == Asset.objects.count() == 120
    return assets


@pytest.mark.parametrize("url", ENDPOINTS)
def test_list_queries_do_not_grow_with_the_page(inventory, url):
    client = token_client(make_user("viewer"))
    client.get(url, {"limit": 1})  # the first request of a token writes last_used; not measured
    counts = {}
    for limit in (5, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"limit": limit})
        assert response.status_code == 200
        assert len(response.json()["results"]) == limit
        counts[limit] = len(queries)
    assert counts[5] == counts[100], counts
    assert counts[100] <= 10, counts


def test_asset_page_carries_everything_it_promises(inventory):
    client = token_client(make_user("viewer"))
    row = client.get("/api/inventory/assets/", {"limit": 100, "ordering": "-name"}).json()["results"][0]
    assert row["tags"] and row["hardware_model"]["manufacturer"]["name"]
    assert row["replaces"]["name"] and row["site"]["slug"] and row["org_unit"]["slug"]
    assert row["support_status"] is not None and row["coverage"] == "covered"
