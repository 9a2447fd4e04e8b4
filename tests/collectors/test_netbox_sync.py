"""Pull from and push to a real NetBox 4.7 (issue #18): NetBox from PyPI in its own venv, filled
through its own REST API (tests/netbox_data.py); what the pull must give is what NetBox was told.

The real-NetBox tests run with the PostgreSQL suite (fixture ``netbox``); the ones that need no
NetBox (an unreachable one) run everywhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from collectors.choices import HostOutcome, HostReason, NetBoxKind, NetBoxOrgUnits, RunStatus
from collectors.models import DiscoveryHost, NetBoxLink, NetBoxSettings
from collectors.netbox.client import NetBoxClient
from collectors.netbox.pull import pull
from collectors.netbox.push import DEVICE_FIELDS, push
from inventory.choices import AssetSource, AssetStatus
from inventory.models import Asset, HardwareModel, Module, ObjectChange, OrgUnit, Site
from lifecycle.models import Contract, HardwareNotice, LifecycleState
from tests.helpers import unreachable_url
from tests.netbox_data import fill

pytestmark = pytest.mark.django_db


def _client(nb, token=None) -> NetBoxClient:
    return NetBoxClient(nb.url, token or nb.token, timeout=30)


def _hosts(run) -> dict[str, DiscoveryHost]:
    return {h.name: h for h in DiscoveryHost.objects.filter(run=run)}


def _counts() -> tuple[int, ...]:
    return (
        Asset.objects.count(),
        Module.objects.count(),
        Site.objects.count(),
        OrgUnit.objects.count(),
        HardwareModel.objects.count(),
        NetBoxLink.objects.count(),
        ObjectChange.objects.count(),
    )


def test_pull_gives_the_estate_a_second_pull_changes_nothing_a_deleted_device_is_decommissioned(netbox):
    estate = fill(netbox.api, devices=52)
    client = _client(netbox)

    run = pull(client)
    hosts = _hosts(run)
    first, second = estate.twins
    # every device but the second of the twins is an asset; the twin is a named conflict
    assert run.status == RunStatus.PARTIAL
    assert run.hosts_tried == 52 and run.hosts_failed == 1 and run.assets_created == 51
    assert hosts[second].outcome == HostOutcome.FAILED and hosts[second].reason == HostReason.CONFLICT
    assert estate.serials[second] in hosts[second].message
    assert Asset.objects.count() == 51
    assets = {
        a.name: a for a in Asset.objects.select_related("site", "org_unit", "hardware_model", "platform")
    }
    assert set(assets) == set(estate.serials) - {second}
    for name, asset in assets.items():
        sent = estate.by_name[name]
        assert asset.serial == estate.serials[name]
        assert asset.management_address == estate.addresses[name]
        assert asset.source == AssetSource.NETBOX
        assert asset.site.name == sent["site"]["name"]
        assert asset.org_unit.name == sent["tenant"]["name"]
        assert (
            asset.role
            == {"access-switch": "Access switch", "core-switch": "Core switch", "ups": "UPS"}[
                estate.role_of[name]
            ]
        )
        assert asset.hardware_model.manufacturer_id == asset.manufacturer_id
        assert asset.status == ("planned" if sent["status"]["value"] == "planned" else "active")
    assert assets[estate.without_serial].serial == ""  # keyed on its NetBox id
    assert assets["sw-003"].asset_tag == "INV-0003"
    c9300 = assets["sw-001"].hardware_model
    assert (c9300.model, c9300.name, c9300.category) == ("C9300-48P", "Catalyst 9300 48-port PoE+", "switch")
    assert assets["ups-009"].hardware_model.category == "ups"
    assert assets["sw-001"].platform.napalm_driver == "ios"
    # the first twin is flagged for review, naming both NetBox devices
    flagged = Asset.objects.get(needs_review=True)
    assert flagged.name == first
    assert str(estate.by_name[first]["id"]) in flagged.review_reason
    assert str(estate.by_name[second]["id"]) in flagged.review_reason
    # inventory items and modules became modules, serials as sent
    for name, rows in [*estate.items.items(), *estate.modules.items()]:
        got = {m.name: m for m in assets[name].modules.all()}
        for row in rows:
            assert got[row["name"]].serial == row["serial"]
            assert got[row["name"]].part_number == row.get("part_id", row.get("part_number"))
            assert got[row["name"]].present
    assert Module.objects.count() == sum(len(r) for r in estate.items.values()) + 2
    site = Site.objects.get(name="Stadthaus")
    assert site.address == "Stadthausstrasse 1, 3000 Bern"

    # a second pull of an unchanged NetBox writes nothing
    before = _counts()
    again = pull(client)
    assert _counts() == before
    assert again.assets_created == 0 and again.assets_updated == 0
    assert {h.message for h in _hosts(again).values() if h.outcome == HostOutcome.SUCCESS} == {"unchanged"}

    # a change in NetBox arrives; a filtered pull decommissions nothing
    moved = estate.by_name["sw-012"]  # in Stadthaus
    netbox.api(f"/api/dcim/devices/{moved['id']}/", "PATCH", {"status": "offline", "asset_tag": "INV-4"})
    filtered = pull(client, filters={"site": ["stadthaus"]})
    assert filtered.hosts_tried == sum(1 for d in estate.devices if d["site"]["name"] == "Stadthaus")
    assert Asset.objects.get(name="sw-012").status == AssetStatus.MAINTENANCE
    assert Asset.objects.get(name="sw-012").asset_tag == "INV-4"

    # a device deleted in NetBox is decommissioned, never deleted; its modules stay
    gone = estate.by_name["sw-006"]
    netbox.api("/api/dcim/devices/", "DELETE", [{"id": gone["id"]}])
    third = pull(client)
    asset = Asset.objects.get(name="sw-006")
    assert asset.status == AssetStatus.DECOMMISSIONED
    assert asset.modules.count() == 2
    assert _hosts(third)["sw-006"].message == "deleted in NetBox: decommissioned"
    assert NetBoxLink.objects.get(kind=NetBoxKind.DEVICE, netbox_id=gone["id"]).gone is not None
    assert Asset.objects.count() == 51
    logged = ObjectChange.objects.count()
    pull(client)
    assert ObjectChange.objects.count() == logged  # and that, too, only once


def test_push_writes_the_lifecycle_answers_into_custom_fields_and_only_its_own(netbox):
    estate = fill(netbox.api, devices=12)
    client = _client(netbox)
    pull(client)
    # someone's own custom field on devices, with a value that must survive the push
    netbox.api(
        "/api/extras/custom-fields/",
        "POST",
        {"name": "owner_note", "type": "text", "object_types": ["dcim.device"]},
    )
    sw = estate.by_name["sw-001"]
    netbox.api(
        f"/api/dcim/devices/{sw['id']}/", "PATCH", {"custom_fields": {"owner_note": "Hauswart fragen"}}
    )
    # a contract and an EoX notice, so that dates and money are there to push
    asset = Asset.objects.get(name="sw-001")
    Asset.objects.filter(pk=asset.pk).update(
        purchase_date=dt.date(2022, 3, 1), purchase_cost=Decimal("7450.00")
    )
    contract = Contract.objects.create(
        provider="Cisco", number="SN-1", kind="support", start=dt.date(2024, 1, 1), end=dt.date(2028, 6, 30)
    )
    contract.assets.add(asset)
    notice = HardwareNotice.objects.create(
        end_of_sale=dt.date(2027, 10, 30), last_date_of_support=dt.date(2032, 10, 31)
    )
    notice.hardware_models.add(asset.hardware_model)
    from lifecycle import state

    state.refresh()

    run = push(client)
    assert run.status == RunStatus.COMPLETED, run.message
    assert run.hosts_tried == 11 and run.assets_updated == 11
    answer = netbox.api(f"/api/dcim/devices/{sw['id']}/")["custom_fields"]
    stored = LifecycleState.objects.get(asset=asset)
    assert answer["owner_note"] == "Hauswart fragen"
    assert answer["werterhalt_hw_status"] == stored.hardware_status
    assert answer["werterhalt_sw_status"] == stored.software_status
    assert answer["werterhalt_replace_by"] == stored.replacement_due.isoformat()
    assert answer["werterhalt_replace_reason"] == stored.replacement_basis
    assert Decimal(answer["werterhalt_book_value"]) == stored.book_value
    assert stored.book_value is not None and Decimal("0") < stored.book_value < Decimal("7450.00")
    assert answer["werterhalt_risk"] == stored.risk
    assert answer["werterhalt_contract_end"] == "2028-06-30"
    kind = netbox.api(f"/api/dcim/device-types/{sw['device_type']['id']}/")["custom_fields"]
    assert kind["werterhalt_end_of_sale"] == "2027-10-30"
    assert kind["werterhalt_end_of_support"] == "2032-10-31"
    fields = {f["name"]: f for f in netbox.api("/api/extras/custom-fields/?limit=100")["results"]}
    assert set(DEVICE_FIELDS) <= set(fields)
    assert fields["werterhalt_replace_by"]["type"]["value"] == "date"
    assert fields["werterhalt_book_value"]["type"]["value"] == "decimal"
    assert fields["werterhalt_hw_status"]["group_name"] == "Werterhalt"
    # nothing changed: nothing written
    again = push(client)
    assert again.assets_updated == 0 and again.status == RunStatus.COMPLETED
    assert "0 devices written, 11 unchanged" in again.message


def test_regions_as_org_units(netbox):
    estate = fill(netbox.api, devices=10)
    options = NetBoxSettings.load()
    options.org_units_from = NetBoxOrgUnits.REGION
    options.save()
    pull(_client(netbox))
    stadt = OrgUnit.objects.get(name="Stadt")
    assert set(stadt.children.values_list("name", flat=True)) == {"Nord", "Süd"}
    for name, device in estate.by_name.items():
        region = {"Stadthaus": "Nord", "Schulhaus Au": "Süd", "Rechenzentrum": "Nord"}[device["site"]["name"]]
        if name != estate.twins[1]:
            assert Asset.objects.get(name=name).org_unit.name == region


def test_a_wrong_token_fails_the_pull_and_push_and_writes_nothing(netbox):
    fill(netbox.api, devices=10)
    before = _counts()
    run = pull(_client(netbox, token="nbt_wrongkey.wrongsecret"))
    assert run.status == RunStatus.FAILED
    assert "refused the API token" in run.message and netbox.url in run.message
    assert "wrongsecret" not in run.message
    assert _counts() == before
    run = push(_client(netbox, token="nbt_wrongkey.wrongsecret"))
    assert run.status == RunStatus.FAILED and "refused the API token" in run.message



def test_an_unreachable_netbox_fails_the_pull_and_writes_nothing():
    url = unreachable_url()
    before = _counts()
    run = pull(NetBoxClient(url, "nbt_a.b", timeout=5))
    assert run.status == RunStatus.FAILED
    assert run.message == f"NetBox at {url} is unreachable (connection refused)"
    assert _counts() == before
    assert not DiscoveryHost.objects.filter(run=run).exists()
    assert (run.action, run.source) == ("netbox-pull", f"NetBox pull {url}")  # what status looks for
    pushed = push(NetBoxClient(url, "nbt_a.b", timeout=5))
    assert (pushed.status, pushed.action) == (RunStatus.FAILED, "netbox-push")
    assert pushed.source == f"NetBox push {url}"
