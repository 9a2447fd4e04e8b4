"""The global search (werterhalt/search.py and the search view): one term over assets, hardware
models, sites, org units, contracts and hardware notices, within the user's view permissions."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from lifecycle.models import Contract, HardwareNotice
from tests.factories import (
    AssetFactory,
    HardwareModelFactory,
    ManufacturerFactory,
    OrgUnitFactory,
    SiteFactory,
    UserFactory,
)
from werterhalt import search

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    city = OrgUnitFactory(name="Stadtverwaltung", slug="stadtverwaltung", code="1000")
    hall = SiteFactory(name="Rathaus", slug="rathaus", address="Marktgasse 20", org_unit=city)
    library = SiteFactory(
        name="Stadtbibliothek", slug="stadtbibliothek", address="Museumstrasse 52", org_unit=city
    )
    colo = SiteFactory(name="Swisscom Data Centre", slug="sc-dc", address="Binzring 17", org_unit=city)
    cisco = ManufacturerFactory(name="Cisco", slug="cisco")
    c9300 = HardwareModelFactory(manufacturer=cisco, model="C9300-48P", name="Catalyst 9300 48-port PoE")
    isr = HardwareModelFactory(manufacturer=cisco, model="ISR4331", name="ISR 4331")
    assets = [
        AssetFactory(name="core-rathaus-01", hardware_model=c9300, site=hall, serial="FOC2201X0AB"),
        AssetFactory(name="core-rathaus-02", hardware_model=c9300, site=hall, serial="FOC2201X0CD"),
        AssetFactory(name="wan-bib-01", hardware_model=isr, site=library, serial="FDO1234Z9XY"),
    ]
    contract = Contract.objects.create(
        provider="Swisscom", number="SC-2024-117", start=dt.date(2024, 1, 1), end=dt.date(2026, 12, 31)
    )
    notice = HardwareNotice.objects.create(bulletin="EOL14599", last_date_of_support=dt.date(2027, 6, 30))
    notice.hardware_models.add(isr)
    return {"sites": {"hall": hall, "library": library, "colo": colo}, "models": {"c9300": c9300, "isr": isr},
            "assets": assets, "contract": contract, "notice": notice, "city": city}


def login(client, *groups):
    user = UserFactory(groups=list(groups))
    client.force_login(user)
    return user


def counts(groups) -> dict[str, int]:
    return {g.key: g.count for g in groups}


def test_one_site_found_goes_to_its_page(client, world):
    login(client, "viewer")
    response = client.get(reverse("search"), {"q": "bibliothek"})
    assert response.status_code == 302
    assert response.url == world["sites"]["library"].get_absolute_url()


def test_one_asset_found_still_goes_to_its_page(client, world):
    login(client, "viewer")
    asset = world["assets"][2]
    response = client.get(reverse("search"), {"q": asset.serial})
    assert response.status_code == 302 and response.url == asset.get_absolute_url()


def test_assets_and_hardware_models_are_grouped_with_their_counts(client, world):
    login(client, "viewer")
    response = client.get(reverse("search"), {"q": "9300"})
    assert response.status_code == 200
    groups = response.context["groups"]
    assert counts(groups) == {"inventory.asset": 2, "inventory.hardwaremodel": 1}
    assets, models = groups
    assert assets.title == "assets" and models.title == "hardware models"
    assert [h.label for h in assets.hits] == ["core-rathaus-01", "core-rathaus-02"]
    assert assets.hits[0].url == world["assets"][0].get_absolute_url()
    assert assets.hits[0].detail == "C9300-48P · FOC2201X0AB · Rathaus"
    assert assets.all_url == f"{reverse('inventory:asset_list')}?q=9300"
    assert models.hits[0].url == world["models"]["c9300"].get_absolute_url()
    assert models.all_url is None
    html = response.content.decode()
    assert 'id="search-inventoryasset" data-count="2"' in html
    assert 'id="search-inventoryhardwaremodel" data-count="1"' in html
    assert f'href="{reverse("inventory:asset_list")}?q=9300"' in html
    assert "Show all 2 in the asset list" in html


def test_notices_are_found_by_bulletin_and_by_the_models_they_cover(world):
    user = UserFactory(groups=["viewer"])
    by_bulletin = search.search("eol145", user)
    assert counts(by_bulletin) == {"lifecycle.hardwarenotice": 1}
    assert by_bulletin[0].hits[0].label == "EOL14599"
    assert by_bulletin[0].hits[0].url == world["notice"].get_absolute_url()
    assert counts(search.search("isr4331", user)) == {
        "inventory.asset": 1, "inventory.hardwaremodel": 1, "lifecycle.hardwarenotice": 1,
    }


def test_sites_by_address_org_units_by_slug_contracts_by_number(world):
    user = UserFactory(groups=["viewer"])
    assert [h.label for g in search.search("museumstrasse", user) for h in g.hits] == ["Stadtbibliothek"]
    assert counts(search.search("stadtverwaltung", user)) == {"inventory.orgunit": 1}
    found = search.search("sc-2024", user)
    assert counts(found) == {"lifecycle.contract": 1}
    assert found[0].hits[0].label == "Swisscom SC-2024-117"


def test_a_group_shows_the_first_limit_objects_and_counts_all(world):
    user = UserFactory(groups=["viewer"])
    (assets, _models) = search.search("C9300", user, limit=1)
    assert assets.count == 2 and [h.label for h in assets.hits] == ["core-rathaus-01"]


def test_no_contracts_group_without_the_contract_view_permission(client, world):
    login(client, "viewer")
    response = client.get(reverse("search"), {"q": "swisscom"})
    assert response.status_code == 200
    assert counts(response.context["groups"]) == {"inventory.site": 1, "lifecycle.contract": 1}

    no_contracts = Group.objects.create(name="no-contracts")
    no_contracts.permissions.set(
        Group.objects.get(name="viewer").permissions.exclude(
            content_type__app_label="lifecycle", codename="view_contract"
        )
    )
    assert Permission.objects.filter(codename="view_contract", group=no_contracts).count() == 0
    user = login(client, "no-contracts")
    assert counts(search.search("swisscom", user)) == {"inventory.site": 1}
    assert search.search("sc-2024", user) == []
    # only the site is left: straight to it
    response = client.get(reverse("search"), {"q": "swisscom"})
    assert response.status_code == 302 and response.url == world["sites"]["colo"].get_absolute_url()


def test_nothing_found_is_said(client, world):
    login(client, "viewer")
    response = client.get(reverse("search"), {"q": "zzz-nowhere"})
    assert response.status_code == 200
    assert response.context["groups"] == []
    assert "Nothing found for “zzz-nowhere”." in response.content.decode()


@pytest.mark.parametrize("term", ["", "   ", "\x00", "\x00\x00 "])
def test_an_empty_term_finds_nothing(client, world, term):
    login(client, "viewer")
    response = client.get(reverse("search"), {"q": term})
    assert response.status_code == 200
    assert response.context["term"] == "" and response.context["groups"] == []
    assert 'id="search-empty"' in response.content.decode()


def test_a_long_term_is_cut_to_the_limit_with_a_message(client, world):
    login(client, "viewer")
    response = client.get(reverse("search"), {"q": "x" * 500})
    assert response.status_code == 200
    assert response.context["term"] == "x" * search.MAX_TERM
    assert [str(m) for m in response.context["messages"]] == [
        "Only the first 100 characters of the search term were used."
    ]
    # a long term that still finds one object: cut, then straight to it
    response = client.get(reverse("search"), {"q": "bibliothek" + " " * 200 + "x"})
    assert response.status_code == 302 and response.url == world["sites"]["library"].get_absolute_url()


def test_clean_term():
    assert search.clean_term("  C9300 ") == "C9300"
    assert search.clean_term(None) == ""
    assert search.clean_term("a\x00b") == "ab"
    assert search.clean_term("y" * 101) == "y" * 100
    assert search.is_too_long("y" * 101) and not search.is_too_long(" " + "y" * 100 + " ")
