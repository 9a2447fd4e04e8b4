"""endoflife.date importer on the real snapshots in ../shared/lifecycle-data and on bad files."""

import datetime as dt
import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lifecycle.importers import ImportFailed, endoflife
from lifecycle.models import HardwareNotice, SoftwareRelease
from tests.factories import ManufacturerFactory, PlatformFactory

pytestmark = pytest.mark.django_db
SOFTWARE = [
    "big-ip",
    "cisco-ios-xe",
    "debian",
    "fortios",
    "netapp-ontap",
    "pan-os",
    "rhel",
    "routeros",
    "ubuntu",
    "vmware-esxi",
    "windows-server",
]


def snapshot(shared_dir, product, v1):
    return (
        shared_dir / "lifecycle-data" / "endoflife.date" / f"{product}{'.v1' if v1 else ''}.json"
    ).read_text()


@pytest.mark.parametrize("product", SOFTWARE)
def test_every_software_product_in_both_shapes(shared_dir, product):
    platform = PlatformFactory(slug=product, name=product)
    old = json.loads(snapshot(shared_dir, product, v1=False))
    first = endoflife.import_software(snapshot(shared_dir, product, v1=True), product, source="v1")
    assert first.created == len(old) == SoftwareRelease.objects.filter(platform=platform).count()
    # the older shape of the same product: same cycles, no duplicates
    endoflife.import_software(snapshot(shared_dir, product, v1=False), product, source="old")
    assert SoftwareRelease.objects.filter(platform=platform).count() == len(old)
    again = endoflife.import_software(snapshot(shared_dir, product, v1=False), product, source="old")
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(old))
    # every cycle as the file says
    for r in old:
        release = SoftwareRelease.objects.get(platform=platform, cycle=str(r["cycle"]))
        eol = r.get("eol")
        if isinstance(eol, str):
            assert release.end_of_security_support == dt.date.fromisoformat(eol)
        assert release.security_ended is (eol is True)
        ext = r.get("extendedSupport")
        if isinstance(ext, str):
            assert release.end_of_life == dt.date.fromisoformat(ext)
        elif isinstance(eol, str):
            assert release.end_of_life == dt.date.fromisoformat(eol)


def test_spot_checks(shared_dir):
    PlatformFactory(slug="cisco-ios-xe")
    PlatformFactory(slug="routeros")
    PlatformFactory(slug="ubuntu")
    endoflife.import_software(snapshot(shared_dir, "cisco-ios-xe", True), "cisco-ios-xe")
    endoflife.import_software(snapshot(shared_dir, "routeros", False), "routeros")
    endoflife.import_software(snapshot(shared_dir, "ubuntu", False), "ubuntu")
    r = SoftwareRelease.objects.get(platform__slug="cisco-ios-xe", cycle="17.18")
    assert (r.release_date, r.end_of_maintenance, r.end_of_security_support, r.lts) == (
        dt.date(2025, 8, 8),
        dt.date(2028, 2, 8),
        dt.date(2029, 8, 8),
        True,
    )
    r = SoftwareRelease.objects.get(platform__slug="routeros", cycle="7.24")
    assert r.end_of_security_support is None and not r.security_ended  # eol: false = not announced
    assert SoftwareRelease.objects.filter(
        platform__slug="routeros", security_ended=True
    ).exists()  # eol: true
    r = SoftwareRelease.objects.get(platform__slug="ubuntu", cycle="26.04")
    assert (r.end_of_maintenance, r.end_of_security_support, r.end_of_life) == (
        dt.date(2031, 4, 30),
        dt.date(2031, 4, 30),
        dt.date(2036, 4, 30),
    )


def test_sns_hardware_as_notices(shared_dir):
    ManufacturerFactory(name="Stormshield", slug="stormshield")
    data = json.loads(snapshot(shared_dir, "sns-hardware", False))
    out = StringIO()
    path = shared_dir / "lifecycle-data" / "endoflife.date" / "sns-hardware.json"
    call_command(
        "import_lifecycle", "endoflife", str(path), "--hardware", "--manufacturer", "stormshield", stdout=out
    )
    assert f"{len(data)} created" in out.getvalue()
    assert HardwareNotice.objects.count() == len(data)
    dated = next(r for r in data if isinstance(r.get("eol"), str))
    notice = HardwareNotice.objects.get(hardware_models__model=dated["cycle"])
    assert notice.last_date_of_support == dt.date.fromisoformat(dated["eol"])
    undated = next(r for r in data if r.get("eol") is False)
    assert HardwareNotice.objects.get(hardware_models__model=undated["cycle"]).last_date_of_support is None
    call_command(
        "import_lifecycle",
        "endoflife",
        str(path),
        "--hardware",
        "--manufacturer",
        "stormshield",
        stdout=StringIO(),
    )
    assert HardwareNotice.objects.count() == len(data)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"cycle": "1.0", "eol": 20250101}]', "eol: expected a date, true or false, got int"),
        ('[{"cycle": "1.0", "eol": "2025-02-30"}]', "'2025-02-30' is not a date"),
        ('[{"eol": "2025-01-01"}]', "cycle is missing"),
        ('[{"cycle": "1.0"}, {"cycle": "1.0"}]', "appears twice"),
        ('["1.0"]', "expected an object"),
        ('{"result": {}}', "needs result.releases"),
        ('[{"cycle": "1.0",]', "not JSON"),
        ("[]", "no release cycles"),
        ('{"result": {"releases": [{"name": "1", "eolFrom": [2025]}]}}', "eolFrom: expected a date"),
    ],
)
def test_bad_files_write_nothing(content, message):
    PlatformFactory(slug="eos")
    good = json.dumps([{"cycle": "4.30", "eol": "2027-01-01"}])
    endoflife.import_software(good, "eos")
    before = list(SoftwareRelease.objects.values_list("cycle", "end_of_security_support"))
    with pytest.raises(ImportFailed) as err:
        endoflife.import_software(content, "eos")
    assert any(message in str(p) for p in err.value.problems), [str(p) for p in err.value.problems]
    assert list(SoftwareRelease.objects.values_list("cycle", "end_of_security_support")) == before


def test_every_problem_is_listed_and_a_good_row_is_not_written():
    PlatformFactory(slug="eos")
    content = json.dumps(
        [
            {"cycle": "4.31", "eol": "2028-01-01"},
            {"cycle": "4.32", "eol": "soon"},
            {"cycle": "4.33", "support": 5},
        ]
    )
    with pytest.raises(ImportFailed) as err:
        endoflife.import_software(content, "eos")
    assert [p.where for p in err.value.problems] == ["release 2 (4.32)", "release 3 (4.33)"]
    assert not SoftwareRelease.objects.exists()


def test_unknown_platform_and_hardware_true_dates():
    with pytest.raises(ImportFailed, match="problem"):
        endoflife.import_software("[]", "nope")
    ManufacturerFactory(slug="acme")
    with pytest.raises(ImportFailed) as err:
        endoflife.import_hardware(json.dumps([{"cycle": "box-1", "eol": True}]), "acme")
    assert "needs the date" in str(err.value.problems[0])
    assert not HardwareNotice.objects.exists()


def test_dry_run_writes_nothing():
    PlatformFactory(slug="eos")
    summary = endoflife.import_software(
        json.dumps([{"cycle": "4.30", "eol": "2027-01-01"}]), "eos", dry_run=True
    )
    assert summary.created == 1 and not SoftwareRelease.objects.exists()


def test_command_exit_codes(tmp_path):
    PlatformFactory(slug="eos")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"cycle": "4.30", "eol": "tomorrow"}]))
    err = StringIO()
    with pytest.raises(CommandError) as e:
        call_command("import_lifecycle", "endoflife", str(bad), "--platform", "eos", stderr=err)
    assert e.value.returncode == 1 and "release 1 (4.30): eol: 'tomorrow' is not a date" in err.getvalue()
    with pytest.raises(CommandError) as e:
        call_command("import_lifecycle", "endoflife", str(bad), "--platform", "nope", stderr=StringIO())
    assert e.value.returncode == 2
    with pytest.raises(CommandError) as e:
        call_command("import_lifecycle", "endoflife", str(tmp_path / "missing.json"), "--platform", "eos")
    assert e.value.returncode == 2


def test_command_as_a_subprocess(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "SECRET_KEY": "tests-only",
        "PATH": "/usr/bin",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=root, env=env, check=True)
    bad = tmp_path / "bad.json"
    bad.write_text('[{"cycle": "1", "eol": 1}, {"cycle": "1"}]')
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_lifecycle",
            "endoflife",
            str(bad),
            "--hardware",
            "--manufacturer",
            "nobody",
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "no manufacturer with the slug 'nobody'" in result.stderr
