"""Versions reported as build numbers (issue #17): every release cycle of the real endoflife.date
snapshots in ../shared/lifecycle-data matches its own latest version, through the product's path
(the endoflife importer, ``lifecycle.assess.Catalogue`` and ``rules.match_cycle``); the shared data
is read by the tests only, never by the product. Table tests of the rule: tests/lifecycle/test_rules.py.
"""

import datetime as dt

import pytest

from lifecycle import assess, rules, state
from lifecycle.importers import endoflife
from lifecycle.models import LifecycleState
from tests.factories import AssetFactory, PlatformFactory
from tests.lifecycle.test_import_endoflife import SOFTWARE as ENDOFLIFE_PRODUCTS

pytestmark = pytest.mark.django_db

SOFTWARE = ENDOFLIFE_PRODUCTS  # every product of the shared snapshots

# Cycles whose latest version belongs to another cycle in the source data: (product, cycle) ->
# (the cycle the version goes to, why). The build alone cannot tell them apart; the
# longest-supported cycle of those sharing it wins (``rules.by_support``).
DATA_ERRORS = {
    ("windows-server", "1809-sac"): (
        "2019",
        "Server 1809 (SAC) and Server 2019 (LTSC) are one build, 10.0.17763, released the same day; "
        "Microsoft serviced it until 2029 as 2019",
    ),
    ("windows-server", "2003-sp1"): (
        "2003-sp2",
        "a service pack does not change the build: 2003, SP1 and SP2 are all 5.2.3790",
    ),
    ("windows-server", "2003"): (
        "2003-sp2",
        "a service pack does not change the build: 2003, SP1 and SP2 are all 5.2.3790",
    ),
}


def snapshot(shared_dir, product, v1):
    return (
        shared_dir / "lifecycle-data" / "endoflife.date" / f"{product}{'.v1' if v1 else ''}.json"
    ).read_text()


@pytest.mark.parametrize("v1", [False, True], ids=["api", "api-v1"])
@pytest.mark.parametrize("product", SOFTWARE)
def test_every_cycle_matches_its_own_latest(shared_dir, product, v1):
    text = snapshot(shared_dir, product, v1)
    platform = PlatformFactory(slug=product, name=product)
    endoflife.import_software(text, product)
    cat = assess.Catalogue()
    checked, wrong = 0, {}
    for c in endoflife.parse(text):
        if not c.latest:  # e.g. IOS-XE, FortiOS: the file names no latest version
            continue
        checked += 1
        cycle, release = cat.release(platform.pk, c.latest)
        expected = DATA_ERRORS.get((product, c.name), (c.name, ""))[0]
        assert release is (cat.releases[platform.pk][cycle] if cycle else None)
        if cycle != expected:
            wrong[c.name] = (c.latest, cycle)
    assert wrong == {}
    listed = {cycle for (p, cycle) in DATA_ERRORS if p == product}
    assert listed <= {c.name for c in endoflife.parse(text)}, "a data error the snapshot no longer has"
    if product in ("routeros", "windows-server"):
        assert checked > 0


def test_data_errors_have_reasons():
    assert all(target and len(reason) > 20 for target, reason in DATA_ERRORS.values())


@pytest.fixture
def windows(shared_dir):
    platform = PlatformFactory(slug="windows-server", name="Windows Server")
    endoflife.import_software(snapshot(shared_dir, "windows-server", v1=True), "windows-server")
    return platform


@pytest.mark.parametrize(
    ("version", "cycle"),
    [
        ("10.0.20348", "2022"),
        ("10.0.20348.2340", "2022"),
        ("10.0.17763.1", "2019"),
        ("10.0.14393.7159", "2016"),
        ("10.0.26100.1742", "2025"),
        ("6.3.9600.21620", "2012-r2"),
        ("10.0.19045.4651", None),  # Windows 10 22H2: no server cycle has that build
        ("10.0.22631", None),  # Windows 11 23H2
        ("10.0.19041", "2004-sac"),  # the data gives Server 2004 (SAC) the build of Windows 10 2004
        ("Windows Server 2022", None),
    ],
)
def test_windows_builds(windows, version, cycle):
    assert assess.Catalogue().release(windows.pk, version)[0] == cycle


def test_routeros_odd_cycle(shared_dir):
    platform = PlatformFactory(slug="routeros", name="RouterOS")
    endoflife.import_software(snapshot(shared_dir, "routeros", v1=False), "routeros")
    cat = assess.Catalogue()
    for version, cycle in [("6.21.1", "6.20"), ("6.21", "6.20"), ("6.20.4", "6.20"), ("6.2", "6.2"),
                           ("6.22", "6.22"), ("7.23.3", "7.23"), ("6.8", None)]:
        assert cat.release(platform.pk, version)[0] == cycle, version


def test_every_face_finds_the_build(windows):
    server = AssetFactory(platform=windows, software_version="10.0.20348.2340")
    desktop = AssetFactory(platform=windows, software_version="10.0.19045")
    at = dt.date(2026, 6, 15)
    release = windows.releases.get(cycle="2022")
    assert assess.versions_in_cycle(release) == ["10.0.20348.2340"]
    evaluation, item = assess.assess(server, at)
    assert (item.cycle, evaluation.software) == ("2022", rules.SUPPORTED)
    assert assess.assess(desktop, at)[1].cycle is None
    state.refresh(at=at)  # the stored answers (lifecycle.facts) take the same path
    assert LifecycleState.objects.get(asset=server).software_status == rules.SUPPORTED
    assert LifecycleState.objects.get(asset=desktop).software_status == rules.UNKNOWN
