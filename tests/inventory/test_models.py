"""The inventory's data rules: what the database enforces, what clean()/save() enforce, and the
name matching of manufacturers and hardware models."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from inventory import naming
from inventory.models import Asset, HardwareModel, Manufacturer, OrgUnit
from tests.factories import (
    AssetFactory,
    HardwareModelFactory,
    ManufacturerFactory,
    OrgUnitFactory,
)

pytestmark = pytest.mark.django_db


def _raw_asset(**kwargs) -> Asset:
    """An unsaved asset for bulk_create: no save(), no clean(), no signals."""
    kwargs.setdefault("name", "raw")
    return Asset(**kwargs)


def _assert_db_still_usable() -> None:
    # After an IntegrityError inside atomic() the outer test transaction must still work.
    assert Asset.objects.filter(name="__nothing__").count() == 0


# --- serial unique per manufacturer (database) -------------------------------------------------


def test_duplicate_serial_same_manufacturer_rejected_by_database_on_bulk_create():
    maker = ManufacturerFactory()
    Asset.objects.bulk_create([_raw_asset(name="a", serial="FOC123", manufacturer=maker)])

    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.bulk_create([_raw_asset(name="b", serial="FOC123", manufacturer=maker)])

    _assert_db_still_usable()
    assert Asset.objects.filter(manufacturer=maker, serial="FOC123").count() == 1


def test_duplicate_serial_same_manufacturer_rejected_by_database_on_update():
    first = AssetFactory(serial="FOC111")
    second = AssetFactory(serial="FOC222", hardware_model=first.hardware_model)
    assert first.manufacturer_id == second.manufacturer_id

    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.filter(pk=second.pk).update(serial="FOC111")

    _assert_db_still_usable()
    second.refresh_from_db()
    assert second.serial == "FOC222"


def test_duplicate_serial_same_manufacturer_rejected_through_save():
    first = AssetFactory(serial="FOC333")
    # save() strips blanks, so " FOC333 " is the same serial.
    dup = Asset(name="dup", hardware_model=first.hardware_model, serial=" FOC333 ")

    with pytest.raises(IntegrityError), transaction.atomic():
        dup.save()

    _assert_db_still_usable()
    assert Asset.objects.filter(serial="FOC333").count() == 1


def test_duplicate_serial_same_manufacturer_rejected_by_full_clean():
    first = AssetFactory(serial="FOC444")
    dup = Asset(name="dup", hardware_model=first.hardware_model, serial="FOC444")

    with pytest.raises(ValidationError) as excinfo:
        dup.full_clean()

    assert "This manufacturer already has an asset with this serial." in str(excinfo.value)


def test_same_serial_under_two_manufacturers_is_allowed():
    maker_a, maker_b = ManufacturerFactory(), ManufacturerFactory()

    Asset.objects.bulk_create([
        _raw_asset(name="a", serial="SAME1", manufacturer=maker_a),
        _raw_asset(name="b", serial="SAME1", manufacturer=maker_b),
    ])
    AssetFactory(serial="SAME2", hardware_model=HardwareModelFactory(manufacturer=maker_a))
    AssetFactory(serial="SAME2", hardware_model=HardwareModelFactory(manufacturer=maker_b))

    assert Asset.objects.filter(serial="SAME1").count() == 2
    assert set(Asset.objects.filter(serial="SAME2").values_list("manufacturer", flat=True)) == {
        maker_a.pk, maker_b.pk,
    }


def test_empty_serials_may_repeat_under_one_manufacturer():
    maker = ManufacturerFactory()
    model = HardwareModelFactory(manufacturer=maker)

    Asset.objects.bulk_create([
        _raw_asset(name="a", serial="", manufacturer=maker),
        _raw_asset(name="b", serial="", manufacturer=maker),
    ])
    AssetFactory(serial="", hardware_model=model)
    AssetFactory(serial="   ", hardware_model=model)  # stripped to "" by save()
    Asset(name="c", serial="", hardware_model=model).full_clean()

    assert Asset.objects.filter(manufacturer=maker, serial="").count() == 4


# --- serial needs a manufacturer -----------------------------------------------------------------


def test_serial_without_manufacturer_rejected_by_database_on_bulk_create():
    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.bulk_create([_raw_asset(serial="ORPHAN1", manufacturer=None)])

    _assert_db_still_usable()
    assert not Asset.objects.filter(serial="ORPHAN1").exists()


def test_serial_without_manufacturer_rejected_by_database_on_update():
    asset = Asset.objects.create(name="no-maker", serial="")

    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.filter(pk=asset.pk).update(serial="ORPHAN2")

    _assert_db_still_usable()
    asset.refresh_from_db()
    assert asset.serial == ""


def test_serial_without_manufacturer_rejected_by_full_clean():
    asset = Asset(name="no-maker", serial="ORPHAN3")

    with pytest.raises(ValidationError) as excinfo:
        asset.full_clean()

    assert "serial" in excinfo.value.message_dict


def test_no_serial_and_no_manufacturer_is_allowed():
    Asset.objects.bulk_create([_raw_asset(name="bare", serial="", manufacturer=None)])
    Asset(name="bare2").full_clean()

    assert Asset.objects.filter(name="bare", manufacturer__isnull=True).count() == 1


# --- manufacturer follows the hardware model ---------------------------------------------------


def test_save_sets_manufacturer_from_hardware_model():
    model = HardwareModelFactory()
    asset = Asset(name="sw1", hardware_model=model, serial="X1")
    assert asset.manufacturer_id is None

    asset.save()

    asset.refresh_from_db()
    assert asset.manufacturer_id == model.manufacturer_id


def test_save_overrides_a_manufacturer_that_contradicts_the_hardware_model():
    model = HardwareModelFactory()
    other_maker = ManufacturerFactory()
    asset = AssetFactory(hardware_model=model)

    asset.manufacturer = other_maker
    asset.save()
    asset.refresh_from_db()
    assert asset.manufacturer_id == model.manufacturer_id

    new_model = HardwareModelFactory(manufacturer=other_maker)
    asset.hardware_model = new_model
    asset.save()
    asset.refresh_from_db()
    assert asset.manufacturer_id == other_maker.pk


def test_manufacturer_without_hardware_model_is_kept():
    maker = ManufacturerFactory()
    asset = Asset(name="srv1", manufacturer=maker, serial="S-1")
    asset.full_clean()
    asset.save()

    asset.refresh_from_db()
    assert asset.manufacturer_id == maker.pk
    assert asset.hardware_model_id is None


# --- organisational units: a tree without cycles -----------------------------------------------


def _fresh(unit: OrgUnit) -> OrgUnit:
    return OrgUnit.objects.get(pk=unit.pk)


def _parent_in_db(unit: OrgUnit):
    return OrgUnit.objects.filter(pk=unit.pk).values_list("parent_id", flat=True).get()


def test_two_unit_cycle_rejected_by_save():
    a = OrgUnitFactory()
    b = OrgUnitFactory(parent=a)

    a = _fresh(a)
    a.parent = _fresh(b)
    with pytest.raises(ValidationError) as excinfo:
        a.save()

    assert "parent" in excinfo.value.message_dict
    assert _parent_in_db(a) is None


def test_two_unit_cycle_rejected_by_full_clean():
    a = OrgUnitFactory()
    b = OrgUnitFactory(parent=a)

    a = _fresh(a)
    a.parent = _fresh(b)
    with pytest.raises(ValidationError) as excinfo:
        a.full_clean()

    assert "parent" in excinfo.value.message_dict
    assert "cycle" in " ".join(excinfo.value.message_dict["parent"])


def test_unit_cannot_be_its_own_parent():
    a = OrgUnitFactory()

    a = _fresh(a)
    a.parent = a
    with pytest.raises(ValidationError):
        a.full_clean()
    with pytest.raises(ValidationError):
        a.save()

    assert _parent_in_db(a) is None


def test_unit_as_its_own_parent_rejected_by_database():
    a = OrgUnitFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        OrgUnit.objects.filter(pk=a.pk).update(parent=a)

    assert _parent_in_db(a) is None


def test_deep_cycle_rejected():
    a = OrgUnitFactory()
    b = OrgUnitFactory(parent=a)
    c = OrgUnitFactory(parent=b)
    d = OrgUnitFactory(parent=c)

    root = _fresh(a)
    root.parent = _fresh(d)
    with pytest.raises(ValidationError):
        root.full_clean()
    with pytest.raises(ValidationError):
        root.save()

    # A unit in the middle moved under its own descendant is a cycle too.
    middle = _fresh(b)
    middle.parent = _fresh(d)
    with pytest.raises(ValidationError):
        middle.save()

    assert _parent_in_db(a) is None
    assert _parent_in_db(b) == a.pk


def test_cycle_detected_even_when_the_new_parent_instance_is_stale():
    """save() is the safety net for scripts and imports, which may hold instances read before
    another change; the cycle check must follow the parents as they are in the database."""
    a = OrgUnitFactory()
    b = OrgUnitFactory()
    stale_b = _fresh(b)  # read while B is still a top-level unit

    b.parent = a
    b.save()  # now A > B

    a = _fresh(a)
    a.parent = stale_b  # B > A would close the cycle A > B > A
    with pytest.raises(ValidationError), transaction.atomic():
        a.save()

    assert _parent_in_db(a) is None


def test_reparenting_without_cycle_is_allowed():
    a = OrgUnitFactory()
    b = OrgUnitFactory(parent=a)
    c = OrgUnitFactory(parent=b)
    other = OrgUnitFactory()

    c = _fresh(c)
    c.parent = _fresh(a)  # move up one level
    c.full_clean()
    c.save()
    assert _parent_in_db(c) == a.pk

    b = _fresh(b)
    b.parent = _fresh(other)  # move a subtree elsewhere
    b.full_clean()
    b.save()
    assert _parent_in_db(b) == other.pk

    a = _fresh(a)
    a.parent = _fresh(other)  # A's former descendant C is now A's child; no cycle with OTHER
    a.full_clean()
    a.save()
    assert _parent_in_db(a) == other.pk
    assert [u.pk for u in _fresh(c).ancestors()] == [a.pk, other.pk]


def test_orgunit_path_lists_the_chain_from_the_root():
    top = OrgUnitFactory(name="Stadt")
    mid = OrgUnitFactory(name="Informatik", parent=top)
    leaf = OrgUnitFactory(name="Netze", parent=mid)

    assert _fresh(leaf).path == "Stadt / Informatik / Netze"


# --- purchase and in-service dates --------------------------------------------------------------


def test_in_service_before_purchase_rejected_by_full_clean():
    asset = AssetFactory.build(
        hardware_model=HardwareModelFactory(), site=None,
        purchase_date=dt.date(2021, 5, 10), in_service_date=dt.date(2021, 5, 9),
    )

    with pytest.raises(ValidationError) as excinfo:
        asset.full_clean()

    assert "in_service_date" in excinfo.value.message_dict


def test_in_service_before_purchase_rejected_by_database_on_bulk_create():
    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.bulk_create([_raw_asset(
            purchase_date=dt.date(2021, 5, 10), in_service_date=dt.date(2021, 5, 9),
        )])

    _assert_db_still_usable()
    assert not Asset.objects.filter(name="raw").exists()


def test_in_service_before_purchase_rejected_by_database_on_update():
    asset = AssetFactory(purchase_date=dt.date(2021, 5, 10), in_service_date=dt.date(2021, 6, 1))

    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.filter(pk=asset.pk).update(in_service_date=dt.date(2021, 5, 9))

    _assert_db_still_usable()
    asset.refresh_from_db()
    assert asset.in_service_date == dt.date(2021, 6, 1)


def test_in_service_on_purchase_day_is_allowed():
    day = dt.date(2022, 1, 31)
    asset = AssetFactory.build(
        hardware_model=HardwareModelFactory(), site=None, purchase_date=day, in_service_date=day,
    )
    asset.full_clean()
    asset.save()
    Asset.objects.bulk_create([_raw_asset(name="raw-same-day", purchase_date=day, in_service_date=day)])

    assert Asset.objects.filter(purchase_date=day, in_service_date=day).count() == 2


def test_only_one_of_the_dates_is_allowed():
    Asset.objects.bulk_create([
        _raw_asset(name="only-purchase", purchase_date=dt.date(2022, 1, 1)),
        _raw_asset(name="only-service", in_service_date=dt.date(2022, 1, 1)),
    ])
    Asset(name="x", purchase_date=dt.date(2022, 1, 1)).full_clean()

    assert Asset.objects.filter(name__startswith="only-").count() == 2


# --- manufacturers: names and aliases ---------------------------------------------------------


@pytest.fixture
def cisco():
    return Manufacturer.objects.create(name="Cisco", slug="cisco", aliases=["Cisco Systems, Inc."])


@pytest.mark.parametrize("spelling", ["Cisco", "Cisco Systems, Inc.", "cisco", "CISCO SYSTEMS INC"])
def test_manufacturer_spellings_resolve_to_one_manufacturer(cisco, spelling):
    ManufacturerFactory(name="Juniper Networks", slug="juniper")

    found = Manufacturer.objects.resolve(spelling)

    assert found is not None
    assert found.pk == cisco.pk
    assert found.aliases == ["Cisco Systems, Inc."]


@pytest.mark.parametrize("spelling", ["Arista", "", None, "Cisco Meraki"])
def test_unknown_manufacturer_resolves_to_none(cisco, spelling):
    assert Manufacturer.objects.resolve(spelling) is None


def test_manufacturer_resolves_by_slug_and_without_legal_form():
    juniper = ManufacturerFactory(name="Juniper Networks", slug="juniper")

    assert Manufacturer.objects.resolve("Juniper Networks, Inc.") == juniper
    assert Manufacturer.objects.resolve("JUNIPER") == juniper


def test_spelling_claimed_by_two_manufacturers_resolves_to_neither(cisco):
    # Written without clean(), as a script could: both claim "cisco systems".
    other = Manufacturer.objects.create(
        name="Cisco Systems", slug="cisco-systems", aliases=["Cisco Sys Corp"],
    )

    assert Manufacturer.objects.resolve("Cisco Systems, Inc.") is None
    assert Manufacturer.objects.resolve("cisco-systems") is None
    assert Manufacturer.objects.resolve("Cisco") == cisco
    assert Manufacturer.objects.resolve("Cisco Sys") == other


def test_manufacturer_clean_refuses_alias_of_another_manufacturer(cisco):
    meraki = Manufacturer(name="Meraki", slug="meraki", aliases=["CISCO SYSTEMS INC"])

    with pytest.raises(ValidationError) as excinfo:
        meraki.full_clean()

    assert "aliases" in excinfo.value.message_dict
    assert "Cisco" in " ".join(excinfo.value.message_dict["aliases"])


def test_manufacturer_clean_refuses_name_that_is_another_manufacturers_alias(cisco):
    clash = Manufacturer(name="Cisco Systems", slug="cisco-systems")

    with pytest.raises(ValidationError):
        clash.full_clean()


def test_manufacturer_clean_accepts_own_aliases_and_tidies_them(cisco):
    cisco.aliases = [" Cisco Systems, Inc. ", "Cisco Systems, Inc.", "", "CSCO"]
    cisco.full_clean()  # its own spellings are no clash with itself

    assert cisco.aliases == ["Cisco Systems, Inc.", "CSCO"]
    Manufacturer(name="Juniper Networks", slug="juniper", aliases=["JNPR"]).full_clean()


def test_aliases_must_be_a_list_of_strings():
    maker = Manufacturer(name="Arista Networks", slug="arista", aliases="Arista")

    with pytest.raises(ValidationError):
        maker.full_clean()


# --- hardware models: part numbers, names and aliases -----------------------------------------


@pytest.fixture
def catalyst(cisco):
    return HardwareModel.objects.create(
        manufacturer=cisco, model="WS-C2960X-48FPD-L", name="Catalyst 2960-X 48 PoE",
        aliases=["C2960X-48FPD"],
    )


@pytest.mark.parametrize(
    "text", ["WS-C2960X-48FPD-L", "ws-c2960x-48fpd-l", "  WS-C2960X-48FPD-L ",
             "Catalyst 2960-X 48 PoE", "catalyst 2960-x 48 poe", "C2960X-48FPD"],
)
def test_hardware_model_resolves_by_part_number_name_or_alias(cisco, catalyst, text):
    HardwareModelFactory(manufacturer=cisco, model="C9300-48P", name="Catalyst 9300 48P")

    assert HardwareModel.objects.resolve(cisco, text) == catalyst


def test_hardware_model_of_another_manufacturer_is_not_returned(cisco, catalyst):
    juniper = ManufacturerFactory(name="Juniper Networks", slug="juniper")
    ex = HardwareModelFactory(manufacturer=juniper, model="EX2300-48P", name="EX2300 48P")

    assert HardwareModel.objects.resolve(cisco, "EX2300-48P") is None
    assert HardwareModel.objects.resolve(juniper, "WS-C2960X-48FPD-L") is None
    assert HardwareModel.objects.resolve(juniper, "ex2300-48p") == ex


def test_same_part_number_under_two_manufacturers_resolves_per_manufacturer(cisco, catalyst):
    other = ManufacturerFactory(name="Rebrand AG", slug="rebrand")
    twin = HardwareModelFactory(manufacturer=other, model="WS-C2960X-48FPD-L", name="")

    assert HardwareModel.objects.resolve(cisco, "WS-C2960X-48FPD-L") == catalyst
    assert HardwareModel.objects.resolve(other, "WS-C2960X-48FPD-L") == twin


@pytest.mark.parametrize("text", ["WS-C3850-24T", "", None])
def test_unknown_hardware_model_resolves_to_none(cisco, catalyst, text):
    assert HardwareModel.objects.resolve(cisco, text) is None


def test_hardware_model_spelling_shared_within_a_manufacturer_resolves_to_neither(cisco, catalyst):
    HardwareModelFactory(manufacturer=cisco, model="WS-C2960X-48FPD-L-RF", aliases=["C2960X-48FPD"])

    assert HardwareModel.objects.resolve(cisco, "C2960X-48FPD") is None
    assert HardwareModel.objects.resolve(cisco, "ws-c2960x-48fpd-l") == catalyst


# --- naming: pure functions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Cisco", "cisco"),
        ("cisco", "cisco"),
        ("Cisco Systems, Inc.", "cisco systems"),
        ("CISCO SYSTEMS INC", "cisco systems"),
        ("  Cisco   Systems  ", "cisco systems"),
        ("Juniper Networks, Inc.", "juniper networks"),
        ("Hewlett-Packard Enterprise", "hewlett packard enterprise"),
        ("Acme Co. Ltd.", "acme"),
        ("Siemens AG", "siemens"),
        ("Inc.", "inc"),  # a name made only of a legal form keeps it
        ("Fortinet Inc (US)", "fortinet inc us"),  # only trailing legal forms go
        ("", ""),
        (None, ""),
        (" ,. ", ""),
    ],
)
def test_vendor_key(text, key):
    assert naming.vendor_key(text) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("WS-C2960X-48FPD-L", "ws-c2960x-48fpd-l"),
        ("  ws-c2960x-48fpd-l\t", "ws-c2960x-48fpd-l"),
        ("Catalyst  2960-X", "catalyst 2960-x"),
        ("", ""),
        (None, ""),
    ],
)
def test_model_key_ignores_case_and_blanks_but_keeps_punctuation(text, key):
    assert naming.model_key(text) == key


@pytest.mark.parametrize(
    ("text", "key"),
    [("Zürich  HB", "zürich hb"), ("STRASSE", "strasse"), ("Straße", "strasse"), (None, "")],
)
def test_name_key(text, key):
    assert naming.name_key(text) == key


def test_build_index_maps_every_spelling_to_its_target():
    index, clashes = naming.build_index(
        [(1, ["Cisco", "Cisco Systems, Inc."]), (2, ["Juniper", None, ""])], key=naming.vendor_key,
    )

    assert index == {"cisco": 1, "cisco systems": 1, "juniper": 2}
    assert clashes == {}


def test_build_index_leaves_clashing_spellings_out_and_reports_them():
    index, clashes = naming.build_index(
        [
            ("cisco", ["Cisco", "Cisco Systems, Inc."]),
            ("meraki", ["Meraki", "CISCO SYSTEMS INC"]),
            ("juniper", ["Juniper", "juniper"]),  # the same target twice is no clash
        ],
        key=naming.vendor_key,
    )

    assert index == {"cisco": "cisco", "meraki": "meraki", "juniper": "juniper"}
    assert clashes == {"cisco systems": {"cisco", "meraki"}}


def test_build_index_uses_name_key_by_default():
    index, clashes = naming.build_index([("a", ["Site A", "site a"]), ("b", ["SITE B"])])

    assert index == {"site a": "a", "site b": "b"}
    assert clashes == {}


def test_build_index_of_nothing_is_empty():
    assert naming.build_index([]) == ({}, {})
