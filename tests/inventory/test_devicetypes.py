"""manage.py import_devicetypes: the NetBox device-type library as hardware models (issue #18).

The sample (../shared/peer-fixtures/devicetype-library, no licence: read from there, never copied)
holds 13 device types and 3 module types of 9 manufacturers.
"""

import io
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from collectors.normalize import DeviceFacts
from collectors.sync import Catalogue
from inventory import devicetypes
from inventory.choices import ActorKind, HardwareCategory
from inventory.models import HardwareModel, Manufacturer, ObjectChange
from inventory.naming import model_key
from tests.conftest import SHARED
from tests.factories import HardwareModelFactory, ManufacturerFactory

LIBRARY = SHARED / "peer-fixtures" / "devicetype-library"
MANUFACTURERS = {"APC", "Arista", "Aruba", "Cisco", "Dell", "Fortinet", "HPE", "Juniper", "Palo Alto"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def library() -> Path:
    if not LIBRARY.is_dir():
        pytest.skip(f"{LIBRARY} is absent (the shared peer fixtures live beside the checkout)")
    return LIBRARY


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_devicetypes", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> tuple[int, int, int]:
    return Manufacturer.objects.count(), HardwareModel.objects.count(), ObjectChange.objects.count()


def library_file(relative: str) -> dict:
    return yaml.safe_load((LIBRARY / relative).read_text(encoding="utf-8"))


def test_the_sample_imports_and_a_second_import_changes_nothing(library):
    out, err = run(library)

    assert err == ""
    assert "16 file(s): 16 created, 0 updated, 0 unchanged; 9 manufacturer(s) created" in out
    assert set(Manufacturer.objects.values_list("name", flat=True)) == MANUFACTURERS
    assert HardwareModel.objects.count() == 16
    assert HardwareModel.objects.filter(category=HardwareCategory.MODULE).count() == 3
    assert HardwareModel.objects.exclude(category=HardwareCategory.MODULE).count() == 13
    lines = out.splitlines()
    assert len(lines) == 17
    assert "device-types/Cisco/C9300-48P.yaml: created: Cisco C9300-48P (Catalyst 9300-48P)" in lines
    changes = ObjectChange.objects.all()
    assert changes.count() == 9 + 16
    assert {(c.actor_kind, c.actor) for c in changes} == {
        (ActorKind.IMPORT, "import_devicetypes devicetype-library")
    }
    before = counts()

    out, _ = run(library)

    assert "16 file(s): 0 created, 0 updated, 16 unchanged; 0 manufacturer(s) created" in out
    assert counts() == before


@pytest.mark.parametrize("relative", [
    "device-types/Cisco/C9300-48P.yaml",  # part number and model differ, CRLF
    "device-types/Dell/PowerEdge-R740.yaml",  # no part number
    "device-types/Aruba/6100-48G-PoE-370W-JL675A.yaml",  # the part number is an order code
    "module-types/Juniper/JPSU-150-AC-AFO.yaml",
])
def test_fields_come_from_the_file(library, relative):
    data = library_file(relative)
    run(library)

    part = data.get("part_number") or data["model"]
    hm = HardwareModel.objects.get(manufacturer__name=data["manufacturer"], model=part)
    assert hm.name == data["model"]
    spellings = {model_key(s) for s in (data["model"], data.get("part_number"), data.get("slug")) if s}
    assert {model_key(s) for s in [hm.model, *hm.aliases]} == spellings
    assert len(hm.aliases) == len(spellings) - 1  # one per spelling, the part number not repeated
    assert not hm.discovered
    if relative.startswith("module-types/"):
        assert hm.category == HardwareCategory.MODULE
    assert hm.list_price is None


def test_categories_are_guessed_from_what_the_files_list(library):
    run(library)

    category = dict(HardwareModel.objects.values_list("model", "category"))
    assert category["C9300-48P"] == category["EX3400-48T"] == HardwareCategory.SWITCH  # 48 ports
    assert category["PowerEdge R740"] == category["P19717-B21"] == HardwareCategory.SERVER  # iDRAC, iLO
    assert category["SMT750RM2U"] == HardwareCategory.UPS
    assert category["PWR-C1-715WAC"] == HardwareCategory.MODULE
    # a router or a firewall cannot be told from its ports: left to people (or to discovery)
    assert category["ISR4331/K9"] == category["FG-60F"] == HardwareCategory.OTHER


def test_a_discovered_model_gets_the_library_name_and_aliases_and_is_not_duplicated(library):
    cisco = ManufacturerFactory(name="Cisco Systems, Inc.", slug="cisco", aliases=["Cisco"])
    found = HardwareModel.objects.create(  # as collectors.sync makes it
        manufacturer=cisco, model="N9K-C93180YC-EX", name="N9K-C93180YC-EX",
        category=HardwareCategory.SWITCH, discovered=True,
    )
    data = library_file("device-types/Cisco/N9K-C93180YC-EX.yaml")

    out, _ = run(library)

    assert "8 manufacturer(s) created" in out
    assert "device-types/Cisco/N9K-C93180YC-EX.yaml: updated (name, aliases)" in out
    found.refresh_from_db()
    assert found.name == data["model"] == "Nexus 93180YC-EX"
    assert found.aliases == [data["model"]]  # the slug is the part number in lower case
    assert found.discovered  # a person reviews it, not an import
    assert HardwareModel.objects.filter(manufacturer=cisco, model__iexact="N9K-C93180YC-EX").count() == 1
    assert not Manufacturer.objects.filter(name="Cisco").exists()


def test_people_keep_their_name_category_price_and_aliases(library):
    cisco = ManufacturerFactory(name="Cisco", slug="cisco")
    mine = HardwareModelFactory(
        manufacturer=cisco, model="WS-C2960X-48FPD-L", name="Access switch 2960X",
        category=HardwareCategory.ROUTER, aliases=["2960X"], comments="ours",
    )

    run(library)

    mine.refresh_from_db()
    assert (mine.name, mine.category, str(mine.list_price), mine.comments) == (
        "Access switch 2960X", HardwareCategory.ROUTER, "5000.00", "ours"
    )
    assert mine.aliases == ["2960X", "Catalyst 2960X-48FPD-L"]


def test_a_model_found_by_its_name_gets_the_part_number_as_an_alias(library):
    cisco = ManufacturerFactory(name="Cisco", slug="cisco")
    old = HardwareModel.objects.create(manufacturer=cisco, model="ISR4331", name="ISR4331")

    run(library)

    old.refresh_from_db()
    assert old.model == "ISR4331"  # the part number a person entered is never changed
    assert old.aliases == ["ISR4331/K9", "cisco-isr4331"]
    assert old.category == HardwareCategory.OTHER
    assert HardwareModel.objects.filter(manufacturer=cisco).count() == 6  # 4 device types, 2 modules
    before = counts()
    out, _ = run(library)
    assert "0 updated, 16 unchanged" in out and counts() == before


def test_discovery_finds_the_imported_model_by_an_alias(library):
    run(library)
    cisco = Manufacturer.objects.get(name="Cisco")
    imported = HardwareModel.objects.get(manufacturer=cisco, model="C9300-48P")
    facts = DeviceFacts(hostname="sw1", vendor="Cisco", model="Catalyst 9300-48P", serial="FOC1",
                        driver="ios", platform="ios", os_version="17.9.4")

    found = Catalogue().hardware_model(cisco.pk, facts)

    assert found.pk == imported.pk
    assert HardwareModel.objects.count() == 16


def test_dry_run_writes_nothing(library):
    before = counts()

    out, _ = run(library, "--dry-run")

    assert "16 would be created" in out and "(dry run: nothing written)" in out
    assert "device-types/APC/SMT750RM2U.yaml: would be created: APC SMT750RM2U" in out
    assert counts() == before


def test_a_bad_file_fails_with_exit_2_naming_it_and_nothing_is_written(tmp_path):
    good = tmp_path / "device-types" / "Acme"
    good.mkdir(parents=True)
    (good / "good.yaml").write_text("manufacturer: Acme\nmodel: Box 1\npart_number: BX-1\n")
    (good / "list.yaml").write_text("- manufacturer: Acme\n- model: Box 2\n")
    (good / "nomodel.yml").write_text("manufacturer: Acme\nslug: acme-box-3\n")
    (good / "broken.yaml").write_text("manufacturer: Acme\nmodel: [unclosed\n")
    (tmp_path / "module-types" / "Acme").mkdir(parents=True)
    (tmp_path / "module-types" / "Acme" / "again.yaml").write_text("manufacturer: ACME\nmodel: bx-1\n")
    before = counts()
    err = io.StringIO()

    with pytest.raises(CommandError) as info:
        call_command("import_devicetypes", str(tmp_path), stdout=io.StringIO(), stderr=err)

    assert info.value.returncode == 2
    assert "4 error(s); nothing was imported" in str(info.value)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("error: device-types/Acme/broken.yaml: not valid YAML (line ")
    assert lines[1:] == [
        "error: device-types/Acme/list.yaml: not a mapping of keys to values but list",
        "error: device-types/Acme/nomodel.yml: no model",
        "error: module-types/Acme/again.yaml: ACME bx-1 is also in device-types/Acme/good.yaml",
    ]
    assert counts() == before


def test_a_folder_of_yaml_files_imports_and_a_missing_folder_is_bad_usage(tmp_path):
    (tmp_path / "box.yaml").write_text("---\r\nmanufacturer: Acme\r\nmodel: Box 1\r\n")
    (tmp_path / ".hidden.yaml").write_text("not: read\n")

    out, _ = run(tmp_path)

    assert "1 file(s): 1 created" in out
    assert HardwareModel.objects.get(model="Box 1").name == "Box 1"
    with pytest.raises(CommandError) as info:
        run(tmp_path / "nowhere")
    assert info.value.returncode == 2
    assert "no such folder" in str(info.value)
    with pytest.raises(CommandError) as info:
        run(tmp_path / "box.yaml")
    assert info.value.returncode == 2


def test_read_checks_every_file_before_anything_is_written(library):
    types = devicetypes.read(library)

    assert len(types) == 16
    assert sum(t.kind == devicetypes.MODULE for t in types) == 3
    assert counts() == (0, 0, 0)
    modules = devicetypes.read(library / "module-types")  # a folder of the library: its kind
    assert [t.category for t in modules] == [HardwareCategory.MODULE] * 3
