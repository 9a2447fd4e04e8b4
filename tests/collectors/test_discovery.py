"""Discovery end to end: real SSH sessions (NAPALM over netmiko) against the lab on loopback."""

import dataclasses

import pytest

from collectors import hosts as host_sources
from collectors.choices import HostOutcome, HostReason, RunStatus
from collectors.lab import topology
from collectors.models import DiscoveryHost
from collectors.runner import discover
from inventory.choices import ActorKind, AssetSource
from inventory.models import Asset, HardwareModel, Module, ObjectChange

pytestmark = pytest.mark.django_db

BROKEN_REASONS = {
    "broken-auth": HostReason.AUTH,
    "broken-silent": HostReason.TIMEOUT,
    "broken-garbage": HostReason.UNPARSABLE,
    "broken-down": HostReason.UNREACHABLE,
}


def healthy(devices):
    return [d for d in devices if not d.broken and d.role != "outside"]


def only(inventory, *names):
    return host_sources.from_hosts([inventory.hosts[n] for n in names])


def seed_inventory(device, credentials):
    return host_sources.from_hosts(
        [host_sources.make_host(device.name, device.address, device.driver, credentials, port=device.port)]
    )


def run(inventory, credentials, **kwargs):
    return discover(inventory, source="test", credentials=credentials, **kwargs)


@pytest.fixture
def folder_inventory(lab_inventory, credentials):
    return host_sources.from_folder(lab_inventory, credentials)


def test_first_run_records_every_device_and_every_failure(lab_devices, folder_inventory, credentials):
    report = run(folder_inventory, credentials)

    good = healthy(lab_devices)
    assert report.run.status == RunStatus.PARTIAL
    assert report.run.hosts_tried == len(folder_inventory.hosts) == len(good) + len(BROKEN_REASONS)
    assert report.run.hosts_succeeded == len(good)
    assert report.run.assets_created == len(good)
    for d in good:
        asset = Asset.objects.select_related("hardware_model", "manufacturer", "platform").get(
            serial=d.serial
        )
        assert asset.name == d.name
        assert asset.hardware_model.model == d.spec.model
        assert asset.manufacturer.name == d.spec.vendor
        assert asset.software_version == d.spec.version
        assert str(asset.management_address) == d.address
        assert asset.source == AssetSource.DISCOVERY
        assert asset.first_seen is not None and asset.last_seen is not None
        modules = {m.name: m for m in asset.modules.all()}
        assert {(m.name, m.part_number, m.serial) for m in d.modules} == {
            (n, m.part_number, m.serial) for n, m in modules.items()
        }, d.name
        assert all(m.present for m in modules.values())
    platforms = set(Asset.objects.values_list("platform__slug", flat=True))
    assert platforms == {"cisco-ios", "cisco-ios-xe", "nxos", "eos"}
    assert HardwareModel.objects.filter(discovered=True).count() == len({d.spec.model for d in good})

    failed = {h.name: h for h in DiscoveryHost.objects.filter(run=report.run, outcome=HostOutcome.FAILED)}
    assert {n: h.reason for n, h in failed.items()} == BROKEN_REASONS
    for h in failed.values():
        assert h.message and topology.PASSWORD not in h.message
    assert not Asset.objects.filter(name__startswith="broken-").exists()

    # change log: every created asset and module, attributed to this run
    creates = ObjectChange.objects.filter(
        actor_kind=ActorKind.DISCOVERY, actor=f"discovery run {report.run.pk}"
    )
    assert creates.filter(content_type__model="asset", action="create").count() == len(good)
    assert creates.filter(content_type__model="module", action="create").count() == sum(
        len(d.modules) for d in good
    )
    # each host's count of its own change-log rows adds up (catalogue rows belong to no host)
    catalogue = creates.filter(content_type__model__in=["manufacturer", "hardwaremodel", "platform"]).count()
    hosts = DiscoveryHost.objects.filter(run=report.run)
    assert sum(h.changes for h in hosts) + catalogue == creates.count()


def test_second_run_changes_nothing_but_last_seen(lab_devices, folder_inventory, credentials):
    run(folder_inventory, credentials)
    before = {a.pk: a for a in Asset.objects.all()}
    modules_before = list(Module.objects.values_list("pk", "name", "part_number", "serial", "present"))
    changes_before = ObjectChange.objects.count()

    second = run(folder_inventory, credentials)

    assert second.run.assets_created == 0 and second.run.assets_updated == 0
    assert ObjectChange.objects.count() == changes_before
    assert (
        list(Module.objects.values_list("pk", "name", "part_number", "serial", "present")) == modules_before
    )
    for asset in Asset.objects.all():
        old = before[asset.pk]
        assert asset.last_seen > old.last_seen
        assert asset.first_seen == old.first_seen
        for f in (
            "name",
            "serial",
            "software_version",
            "hardware_model_id",
            "platform_id",
            "management_address",
        ):
            assert getattr(asset, f) == getattr(old, f), f


def test_unreached_assets_are_left_alone(lab_devices, folder_inventory, credentials):
    run(folder_inventory, credentials)
    core = Asset.objects.get(name="core-1")
    # core-1 now unreachable: it is simply not answered for (the lab's port on another address)
    folder_inventory.hosts["core-1"].port = 1
    run(only(folder_inventory, "core-1", "core-2"), credentials)
    core.refresh_from_db()
    again = Asset.objects.get(name="core-1")
    assert again.status == core.status and again.last_seen == core.last_seen
    assert again.modules.filter(present=True).count() == len(
        next(d for d in lab_devices if d.name == "core-1").modules
    )


def test_removed_module_is_marked_not_present(lab, lab_devices, folder_inventory, credentials):
    device = next(d for d in lab_devices if d.spec.key == "c9300")
    run(only(folder_inventory, device.name), credentials)
    gone = device.modules[-1]
    from collectors.lab.outputs import commands_for

    try:
        lab.replace_device(dataclasses.replace(device, modules=device.modules[:-1]))
        report = run(only(folder_inventory, device.name), credentials)
    finally:
        lab.replace_device(device)

    assert report.run.hosts_succeeded == 1 and report.run.assets_updated == 1
    module = Module.objects.get(asset__serial=device.serial, name=gone.name)
    assert module.present is False
    assert Module.objects.filter(asset__serial=device.serial, present=True).count() == len(device.modules) - 1
    change = ObjectChange.objects.for_object(module).filter(action="update").get()
    assert change.prechange_data["present"] is True and change.postchange_data["present"] is False
    assert change.actor == f"discovery run {report.run.pk}"
    assert commands_for(device)  # the lab answers as before for the next tests


def test_swapped_chassis_is_recorded_as_replacement(lab, lab_devices, folder_inventory, credentials):
    device = next(d for d in lab_devices if d.spec.key == "c2960x")
    run(only(folder_inventory, device.name), credentials)
    old = Asset.objects.get(serial=device.serial)
    new_serial = "FOC9999Z00A"
    try:
        lab.replace_device(dataclasses.replace(device, serial=new_serial))
        report = run(only(folder_inventory, device.name), credentials)
    finally:
        lab.replace_device(device)

    assert report.run.assets_created == 1
    new = Asset.objects.get(serial=new_serial)
    old.refresh_from_db()
    assert new.replaces == old
    assert new.name == old.name == device.name
    assert old.needs_review and new_serial in old.review_reason
    assert old.status == "active"  # flagged, not decommissioned, not deleted
    assert new.site_id == old.site_id and new.org_unit_id == old.org_unit_id


def test_crawl_from_one_seed_finds_the_topology_and_stays_inside(lab_devices, credentials):
    seed = topology.seed(lab_devices)
    inv = seed_inventory(seed, credentials)
    report = discover(
        inv, source="test", credentials=credentials, crawl=True, allow=[topology.LAB_PREFIX], depth=5
    )

    reachable = {d.name for d in healthy(lab_devices)}
    succeeded = set(
        DiscoveryHost.objects.filter(run=report.run, outcome=HostOutcome.SUCCESS).values_list(
            "name", flat=True
        )
    )
    assert succeeded == reachable
    assert not Asset.objects.filter(name="partner-edge").exists()
    assert not DiscoveryHost.objects.filter(run=report.run, address__startswith="127.78.").exists()
    depths = dict(DiscoveryHost.objects.filter(run=report.run).values_list("name", "depth"))
    assert depths[seed.name] == 0 and depths["core-2"] == 1 and max(depths.values()) == 2


def test_crawl_depth_limit(lab_devices, credentials):
    seed = topology.seed(lab_devices)
    inv = seed_inventory(seed, credentials)
    report = discover(
        inv, source="test", credentials=credentials, crawl=True, allow=[topology.LAB_PREFIX], depth=1
    )
    names = set(DiscoveryHost.objects.filter(run=report.run).values_list("name", flat=True))
    neighbours = {link.remote_name for link in seed.links}
    assert names == {seed.name} | neighbours


def test_junos_driver_runs_and_a_device_without_netconf_is_unsupported(lab_devices, credentials):
    # The lab speaks SSH CLI only; NAPALM's junos driver needs NETCONF: recorded, not crashed.
    device = next(d for d in lab_devices if d.name == "access-002")
    inv = host_sources.from_hosts([host_sources.make_host("mx-1", device.address, "junos", credentials,
                                                          port=device.port)])
    report = discover(inv, source="test", credentials=credentials)
    host = DiscoveryHost.objects.get(run=report.run)
    assert (host.outcome, host.reason) == (HostOutcome.FAILED, HostReason.UNSUPPORTED)
    assert "NETCONF" in host.message


def test_hosts_from_the_database_are_rediscovered(lab_devices, folder_inventory, credentials, settings):
    run(folder_inventory, credentials)
    settings.DISCOVERY_SSH_PORT = lab_devices[0].port
    from_db = host_sources.from_database(credentials)
    assert set(from_db.hosts) == {d.name for d in healthy(lab_devices)}
    report = run(from_db, credentials)
    assert report.run.hosts_failed == 0
    assert report.run.assets_created == report.run.assets_updated == 0


def test_discovery_run_pages_in_the_admin(admin_client, lab_devices, folder_inventory, credentials):
    report = run(only(folder_inventory, "core-1", "broken-auth"), credentials)
    listing = admin_client.get("/admin/collectors/discoveryrun/")
    assert listing.status_code == 200
    page = admin_client.get(f"/admin/collectors/discoveryrun/{report.run.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "broken-auth" in body and "Authentication failed" in body and topology.PASSWORD not in body


@pytest.mark.parametrize("error", ["integrity", "bug"])
def test_a_host_the_inventory_refuses_costs_only_that_host(monkeypatch, folder_inventory, credentials, error):
    from django.db import IntegrityError, transaction

    from collectors import runner

    real = runner.sync_device

    def refusing(facts, **kwargs):
        if facts.hostname == "core-2":
            with transaction.atomic():  # as inside sync_device: writes, then fails, rolls back
                real(facts, **kwargs)
                raise IntegrityError("duplicate key value") if error == "integrity" else KeyError("oops")
        return real(facts, **kwargs)

    monkeypatch.setattr(runner, "sync_device", refusing)
    report = run(only(folder_inventory, "core-1", "core-2", "wan-1"), credentials)

    assert report.run.hosts_succeeded == 2 and report.run.status == RunStatus.PARTIAL
    host = DiscoveryHost.objects.get(run=report.run, name="core-2")
    assert host.reason == (HostReason.CONFLICT if error == "integrity" else HostReason.ERROR)
    assert host.message.startswith("not saved")
    assert set(Asset.objects.values_list("name", flat=True)) == {"core-1", "wan-1"}


def test_a_run_refreshes_the_lifecycle_answers_of_what_it_found_once(
    monkeypatch, lab_devices, folder_inventory, credentials
):
    """Each host is synced in its own transaction; the lifecycle answers of every asset the run
    created are refreshed once, at its end (not one refresh per host)."""
    from lifecycle import state
    from lifecycle.models import LifecycleState

    calls = []
    refresh = state.refresh

    def counted(*args, **kwargs):
        calls.append(set(kwargs.get("ids") or ()))
        return refresh(*args, **kwargs)

    monkeypatch.setattr(state, "refresh", counted)
    report = run(folder_inventory, credentials)

    created = set(Asset.objects.values_list("pk", flat=True))
    assert report.run.assets_created == len(created) == len(healthy(lab_devices))
    assert len(calls) == 1 and calls[0] >= created
    assert set(LifecycleState.objects.values_list("asset_id", flat=True)) == created
