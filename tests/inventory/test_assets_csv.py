"""CSV import and export of assets (inventory.assets_csv).

The contract: columns by header name; references by name, slug or alias; all or nothing, with
every error reported by line and column; re-importing the same file changes nothing; the export
re-imports unchanged; every write is in the change log, attributed to the import.
"""

import csv
import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from inventory import assets_csv
from inventory.assets_csv import ImportFailed
from inventory.choices import ActorKind, AssetSource, AssetStatus, ChangeAction
from inventory.models import Asset, ObjectChange, Tag
from tests.factories import (
    AssetFactory,
    HardwareModelFactory,
    ManufacturerFactory,
    OrgUnitFactory,
    PlatformFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat():
    """A small catalogue that the files below refer to."""
    cisco = ManufacturerFactory(name="Cisco", slug="cisco", aliases=["Cisco Systems, Inc.", "Cisco Systems"])
    juniper = ManufacturerFactory(name="Juniper", slug="juniper", aliases=["Juniper Networks"])
    bau = OrgUnitFactory(name="Departement Bau", slug="bau", code="4000")
    return SimpleNamespace(
        cisco=cisco,
        juniper=juniper,
        c9300=HardwareModelFactory(manufacturer=cisco, model="C9300-48P", name="Catalyst 9300 48 PoE+",
                                   aliases=["C9300-48P-A"]),
        isr=HardwareModelFactory(manufacturer=cisco, model="ISR4331/K9", name="ISR 4331",
                                 aliases=["ISR4331"]),
        ex3400=HardwareModelFactory(manufacturer=juniper, model="EX3400-48P", name="EX3400 48 PoE+"),
        bau=bau,
        tiefbau=OrgUnitFactory(name="Tiefbauamt", slug="bau-tiefbau", code="4100", parent=bau),
        stadthaus=SiteFactory(name="Stadthaus", slug="stadthaus"),
        rz=SiteFactory(name="Rechenzentrum Nord", slug="rz-nord"),
        werkhof=SiteFactory(name="Werkhof Süd", slug="werkhof-sued"),
        iosxe=PlatformFactory(name="Cisco IOS-XE", slug="cisco-ios-xe"),
        junos=PlatformFactory(name="Juniper Junos", slug="junos"),
    )


HEADER = ("name,serial,asset_tag,manufacturer,model,platform,software_version,role,site,org_unit,"
          "status,management_address,purchase_date,in_service_date,purchase_cost,warranty_end,tags,"
          "comments\n")
GOOD = HEADER + (
    # manufacturer by alias, model by alias, platform by name, site by name, org unit by slug,
    # status by label, ISO and Swiss dates, money with apostrophes, two tags.
    'sth-acc-sw01,FOC2101X0AB,WH-20001,"Cisco Systems, Inc.",C9300-48P-A,Cisco IOS-XE,17.09.04a,'
    "access,Stadthaus,bau-tiefbau,Active,10.20.0.11,2021-03-15,01.04.2021,\"1'250.00\",15.03.2026,"
    '"poe, core",Floor 2\n'
    # manufacturer by slug, model by display name, platform/site by slug, org unit by name, IPv6.
    "rzn-wan-rt01,FDO2233A1BC,,cisco,ISR 4331,cisco-ios-xe,17.03.08a,wan,rz-nord,Tiefbauamt,spare,"
    "2001:DB8::1,05.11.2019,2019-12-01,4250,,,\n"
    # model by part number in another case, org unit by its top-level name, everything else empty.
    "whs-acc-sw01,NX1234567,,Juniper Networks,ex3400-48p,junos,,,Werkhof Süd,Departement Bau,"
    "decommissioned,,,,,,,\n"
)


def counts() -> tuple[int, int, int]:
    return Asset.objects.count(), Tag.objects.count(), ObjectChange.objects.count()


def export_text(queryset=None) -> str:
    out = io.StringIO()
    assets_csv.export_csv(out, queryset)
    return out.getvalue()


def failed(text: str) -> list[tuple[int, str]]:
    with pytest.raises(ImportFailed) as info:
        assets_csv.import_csv(text, actor_name="import test.csv")
    return [(e.line, e.column) for e in info.value.errors]


# --- a good file -------------------------------------------------------------------------------

def test_good_file_creates_assets_with_every_column_resolved(cat):
    summary = assets_csv.import_csv(GOOD, actor_name="import good.csv")

    assert summary == {"created": 3, "updated": 0, "unchanged": 0}
    sw = Asset.objects.get(name="sth-acc-sw01")
    assert (sw.serial, sw.asset_tag) == ("FOC2101X0AB", "WH-20001")
    assert sw.manufacturer == cat.cisco
    assert sw.hardware_model == cat.c9300
    assert sw.platform == cat.iosxe
    assert (sw.software_version, sw.role) == ("17.09.04a", "access")
    assert sw.site == cat.stadthaus
    assert sw.org_unit == cat.tiefbau
    assert sw.status == AssetStatus.ACTIVE
    assert sw.management_address == "10.20.0.11"
    assert sw.purchase_date == dt.date(2021, 3, 15)
    assert sw.in_service_date == dt.date(2021, 4, 1)
    assert sw.purchase_cost == Decimal("1250.00")
    assert sw.warranty_end == dt.date(2026, 3, 15)
    assert sorted(t.name for t in sw.tags.all()) == ["core", "poe"]
    assert sw.comments == "Floor 2"
    assert sw.source == AssetSource.IMPORT

    rt = Asset.objects.get(name="rzn-wan-rt01")
    assert (rt.manufacturer, rt.hardware_model, rt.platform) == (cat.cisco, cat.isr, cat.iosxe)
    assert (rt.site, rt.org_unit, rt.status) == (cat.rz, cat.tiefbau, AssetStatus.SPARE)
    assert rt.management_address == "2001:db8::1"
    assert (rt.purchase_date, rt.in_service_date) == (dt.date(2019, 11, 5), dt.date(2019, 12, 1))
    assert rt.purchase_cost == Decimal("4250.00")
    assert rt.warranty_end is None
    assert rt.asset_tag == ""
    assert not rt.tags.exists()

    whs = Asset.objects.get(name="whs-acc-sw01")
    assert (whs.manufacturer, whs.hardware_model, whs.platform) == (cat.juniper, cat.ex3400, cat.junos)
    assert (whs.site, whs.org_unit) == (cat.werkhof, cat.bau)
    assert whs.status == AssetStatus.DECOMMISSIONED
    assert whs.management_address is None
    assert whs.purchase_date is whs.in_service_date is whs.purchase_cost is None
    assert (whs.software_version, whs.role, whs.comments) == ("", "", "")

    assert set(Tag.objects.values_list("name", "slug")) == {("core", "core"), ("poe", "poe")}


def test_status_by_value_or_label_in_any_case(cat):
    text = "name,status\na1,PLANNED\na2,Maintenance\na3,spare\na4,\n"

    assets_csv.import_csv(text, actor_name="import status.csv")

    assert dict(Asset.objects.values_list("name", "status")) == {
        "a1": "planned", "a2": "maintenance", "a3": "spare", "a4": "active",
    }


def test_header_in_any_order_semicolons_bom_and_multiline_comment(cat):
    text = (
        "\ufeffSite; NAME ;comments;Serial;manufacturer;purchase_date;purchase_cost\n"
        'stadthaus;sw-a;"line one\nline two; with a semicolon, and a comma\n""quoted""";S1;cisco;'
        "01.02.2020;1'250.50\n"
        "rz-nord;sw-b;;S2;Cisco Systems;2020-02-03;\n"
    )

    summary = assets_csv.import_csv(text, actor_name="import semi.csv")

    assert summary["created"] == 2
    a = Asset.objects.get(name="sw-a")
    assert a.comments == 'line one\nline two; with a semicolon, and a comma\n"quoted"'
    assert (a.site, a.serial, a.manufacturer) == (cat.stadthaus, "S1", cat.cisco)
    assert a.purchase_date == dt.date(2020, 2, 1)
    assert a.purchase_cost == Decimal("1250.50")
    b = Asset.objects.get(name="sw-b")
    assert (b.site, b.serial, b.manufacturer) == (cat.rz, "S2", cat.cisco)
    assert b.purchase_date == dt.date(2020, 2, 3)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_numbers_count_physical_lines_after_multiline_cells_and_blank_lines(cat, newline):
    rows = [
        "name;site;comments;purchase_date",
        'ok-1;stadthaus;"first\nsecond\nthird";2020-01-01',  # lines 2-4
        "bad-site;Mars;;2020-01-01",  # line 5
        "",  # line 6
        "bad-date;stadthaus;;31.02.2020",  # line 7
        'bad-both;Venus;"a\nb";yesterday',  # lines 8-9
    ]
    text = "\ufeff" + newline.join(rows) + newline

    assert failed(text) == [(5, "site"), (7, "purchase_date"), (8, "purchase_date"), (8, "site")]
    assert Asset.objects.count() == 0


def test_only_some_columns_leave_the_others_alone(cat):
    asset = AssetFactory(name="sw-keep", hardware_model=cat.c9300, serial="FOCKEEP", site=cat.rz,
                         role="core", comments="keep me")

    summary = assets_csv.import_csv("serial,manufacturer,name,role\nFOCKEEP,cisco,sw-keep,access\n",
                                    actor_name="import partial.csv")

    assert summary == {"created": 0, "updated": 1, "unchanged": 0}
    asset.refresh_from_db()
    assert asset.role == "access"
    assert (asset.site, asset.hardware_model, asset.comments) == (cat.rz, cat.c9300, "keep me")


# --- bad files: all or nothing, every error reported --------------------------------------------

BAD = (
    "name,serial,manufacturer,model,site,status,management_address,purchase_date,in_service_date,"
    "purchase_cost,tags\n"
    "ok-01,S-OK,cisco,C9300-48P,stadthaus,active,10.0.0.1,2021-01-01,2021-02-01,100,newtag\n"  # 2
    "bad-date,S-3,cisco,C9300-48P,stadthaus,active,,2021-13-01,,,\n"  # 3
    "bad-maker,S-4,Nokla,,stadthaus,active,,,,,\n"  # 4
    "bad-model,S-5,cisco,C9999-XL,stadthaus,active,,,,,\n"  # 5
    "bad-site,S-6,cisco,,Mars,active,,,,,\n"  # 6
    "bad-order,S-7,cisco,,stadthaus,active,,2021-05-01,2021-04-01,,\n"  # 7
    "bad-cost,S-8,cisco,,stadthaus,active,,,,-5,\n"  # 8
    "bad-ip,S-9,cisco,,stadthaus,active,10.0.0.300,,,,\n"  # 9
    "bad-status,S-10,cisco,,stadthaus,broken,,,,,\n"  # 10
    "dup-serial,S-OK,Cisco Systems,,stadthaus,active,,,,,\n"  # 11: same as line 2
    ",S-12,cisco,,stadthaus,active,,,,,\n"  # 12
    "short-row,S-13,cisco\n"  # 13
    "ok-14,S-14,juniper,EX3400-48P,rz-nord,spare,,,,,othertag\n"  # 14
)
BAD_ERRORS = [
    (3, "purchase_date"), (4, "manufacturer"), (5, "model"), (6, "site"), (7, "in_service_date"),
    (8, "purchase_cost"), (9, "management_address"), (10, "status"), (11, "serial"), (12, "name"),
    (13, ""),
]


def test_bad_file_reports_every_error_with_line_and_column_and_writes_nothing(cat):
    before = counts()

    with pytest.raises(ImportFailed) as info:
        assets_csv.import_csv(BAD, actor_name="import bad.csv")

    errors = info.value.errors
    assert [(e.line, e.column) for e in errors] == BAD_ERRORS
    by_line = {e.line: e for e in errors}
    assert "2021-13-01" in by_line[3].message
    assert "Nokla" in by_line[4].message
    assert "C9999-XL" in by_line[5].message
    assert "Mars" in by_line[6].message
    assert "before the purchase date" in by_line[7].message
    assert "-5" in by_line[8].message
    assert "10.0.0.300" in by_line[9].message
    assert "broken" in by_line[10].message
    assert "line 2" in by_line[11].message
    assert "required" in by_line[12].message
    assert "11" in by_line[13].message and "3" in by_line[13].message
    assert str(by_line[3]).startswith("line 3, column purchase_date: ")
    assert str(by_line[13]).startswith("line 13: ")
    assert "11 error(s)" in str(info.value)
    assert counts() == before


def test_unknown_and_duplicate_columns_are_reported_on_line_1(cat):
    before = counts()

    errors = failed("name,serial,colour,manufacturer,Serial\nsw1,S1,red,cisco,S1\n")

    assert errors == [(1, "colour"), (1, "serial")]
    assert counts() == before


def test_header_errors_do_not_hide_the_errors_of_the_rows(cat):
    """The contract: a bad file reports EVERY error at once, header and rows together."""
    text = ("name,colour,site,purchase_date,site\n"
            "ok,red,stadthaus,2020-01-01,stadthaus\n"
            "bad,red,Mars,2020-13-01,Mars\n")

    errors = failed(text)

    assert (1, "colour") in errors and (1, "site") in errors
    assert (3, "purchase_date") in errors


@pytest.mark.parametrize("text, expected", [
    ("serial,site\nS1,stadthaus\n", [(1, "name")]),
    ("name,site\n", [(1, "")]),
    ("name,model\nsw1,C9300-48P\n", [(2, "model")]),
    ("name,serial\nsw1,S1\n", [(2, "manufacturer")]),
    ("name,purchase_cost\nsw1,abc\nsw2,12.345\nsw3,CHF 12'000\n",
     [(2, "purchase_cost"), (3, "purchase_cost")]),
    ("name,asset_tag\n" + "x" * 101 + ",T1\nsw2," + "t" * 101 + "\n", [(2, "name"), (3, "asset_tag")]),
    ('name,comments\nsw1,"never closed\n', [(1, "")]),
])
def test_more_bad_files(cat, text, expected):
    before = counts()

    assert sorted(set(failed(text))) == expected
    assert counts() == before


# --- re-import, updates, matching ----------------------------------------------------------------

def test_reimporting_the_same_file_changes_nothing(cat):
    assets_csv.import_csv(GOOD, actor_name="import good.csv")
    before = counts()
    first = export_text()

    summary = assets_csv.import_csv(GOOD, actor_name="import good.csv")

    assert summary == {"created": 0, "updated": 0, "unchanged": 3}
    assert counts() == before
    assert export_text() == first


def test_a_changed_cell_gives_one_update_and_one_change_log_row(cat):
    assets_csv.import_csv(GOOD, actor_name="import good.csv")
    sw = Asset.objects.get(name="sth-acc-sw01")
    last_change = ObjectChange.objects.order_by("-pk").first().pk
    changed = GOOD.replace("17.09.04a", "17.12.03")

    summary = assets_csv.import_csv(changed, actor_name="import changed.csv")

    assert summary == {"created": 0, "updated": 1, "unchanged": 2}
    sw.refresh_from_db()
    assert sw.software_version == "17.12.03"
    new = list(ObjectChange.objects.filter(pk__gt=last_change))
    assert len(new) == 1
    change = new[0]
    assert (change.action, change.object_id, change.object_repr) == (ChangeAction.UPDATE, sw.pk, sw.name)
    assert change.changed_fields() == {"software_version": ("17.09.04a", "17.12.03")}
    assert change.prechange_data["tags"] == change.postchange_data["tags"] == ["core", "poe"]
    assert (change.actor_kind, change.actor) == (ActorKind.IMPORT, "import changed.csv")


def test_changed_tags_are_one_update_with_the_tags_before_and_after(cat):
    assets_csv.import_csv(GOOD, actor_name="import good.csv")
    sw = Asset.objects.get(name="sth-acc-sw01")
    last_change = ObjectChange.objects.order_by("-pk").first().pk

    summary = assets_csv.import_csv(GOOD.replace('"poe, core"', '"core, uplink"'), actor_name="import")

    assert summary == {"created": 0, "updated": 1, "unchanged": 2}
    assert sorted(t.name for t in sw.tags.all()) == ["core", "uplink"]
    asset_changes = ObjectChange.objects.filter(pk__gt=last_change, object_id=sw.pk,
                                                content_type__model="asset")
    assert [c.changed_fields() for c in asset_changes] == [{"tags": (["core", "poe"], ["core", "uplink"])}]


def test_row_without_serial_is_matched_by_name(cat):
    ap = AssetFactory(name="ap-lobby", serial="", hardware_model=None, site=cat.rz, role="")

    summary = assets_csv.import_csv("name,site,role\nap-lobby,stadthaus,wireless\n", actor_name="import")

    assert summary == {"created": 0, "updated": 1, "unchanged": 0}
    assert Asset.objects.count() == 1
    ap.refresh_from_db()
    assert (ap.site, ap.role) == (cat.stadthaus, "wireless")


def test_row_without_serial_naming_two_assets_is_an_error(cat):
    AssetFactory(name="ap-lobby", serial="", hardware_model=None)
    AssetFactory(name="ap-lobby", serial="", hardware_model=None)
    before = counts()

    with pytest.raises(ImportFailed) as info:
        assets_csv.import_csv("name,role\nap-other,x\nap-lobby,wireless\n", actor_name="import")

    assert [(e.line, e.column) for e in info.value.errors] == [(3, "name")]
    assert "2 assets" in info.value.errors[0].message
    assert counts() == before


def test_same_name_without_serial_twice_in_the_file_is_an_error(cat):
    assert failed("name,role\nap-lobby,a\nap-lobby,b\n") == [(3, "name")]
    assert Asset.objects.count() == 0


def test_serial_is_matched_per_manufacturer(cat):
    AssetFactory(name="sw-cisco", hardware_model=cat.c9300, serial="SAME1")

    summary = assets_csv.import_csv(
        "name,serial,manufacturer,model\nfw-juniper,SAME1,juniper,EX3400-48P\nsw-renamed,SAME1,cisco,\n",
        actor_name="import",
    )

    assert summary == {"created": 1, "updated": 1, "unchanged": 0}
    assert set(Asset.objects.values_list("name", "manufacturer__slug", "serial")) == {
        ("sw-renamed", "cisco", "SAME1"), ("fw-juniper", "juniper", "SAME1"),
    }


def test_serial_held_by_another_asset_of_the_manufacturer_is_an_error(cat):
    """The row re-homes sw1 to Juniper; another Juniper asset already has sw1's serial."""
    sw1 = AssetFactory(name="sw1", hardware_model=cat.c9300, serial="ABC123")
    AssetFactory(name="ex1", hardware_model=cat.ex3400, serial="ABC123")
    before = counts()

    with pytest.raises(ImportFailed) as info:
        assets_csv.import_csv("name,manufacturer,model\nsw1,juniper,EX3400-48P\n", actor_name="import")

    assert [(e.line, e.column) for e in info.value.errors] == [(2, "serial")]
    assert "ABC123" in info.value.errors[0].message
    assert counts() == before
    sw1.refresh_from_db()
    assert sw1.manufacturer == cat.cisco


def test_manufacturer_that_does_not_match_the_model_is_an_error(cat):
    AssetFactory(name="sw1", hardware_model=cat.c9300, serial="")

    assert failed("name,manufacturer\nsw1,juniper\n") == [(2, "manufacturer")]
    assert Asset.objects.get(name="sw1").manufacturer == cat.cisco


def test_org_unit_name_in_two_parents_asks_for_the_slug(cat):
    bildung = OrgUnitFactory(name="Departement Bildung", slug="bildung")
    OrgUnitFactory(name="Informatik", slug="bau-informatik", parent=cat.bau)
    school_it = OrgUnitFactory(name="Informatik", slug="bildung-informatik", parent=bildung)
    before = counts()

    with pytest.raises(ImportFailed) as info:
        assets_csv.import_csv("name,org_unit\nsw1,Informatik\n", actor_name="import")

    assert [(e.line, e.column) for e in info.value.errors] == [(2, "org_unit")]
    assert "slug" in info.value.errors[0].message
    assert counts() == before

    assets_csv.import_csv("name,org_unit\nsw1,bildung-informatik\n", actor_name="import")
    assert Asset.objects.get(name="sw1").org_unit == school_it


def test_partial_file_cannot_put_in_service_before_the_stored_purchase_date(cat):
    """The file has in_service_date but not purchase_date; the asset's stored purchase date is
    later. That is a bad row to report, not a database error."""
    asset = AssetFactory(name="sw1", hardware_model=cat.c9300, serial="S1",
                         purchase_date=dt.date(2020, 3, 1), in_service_date=dt.date(2020, 4, 1))

    errors = failed("name,serial,manufacturer,in_service_date\nsw1,S1,cisco,2019-01-01\n")

    assert errors == [(2, "in_service_date")]
    asset.refresh_from_db()
    assert asset.in_service_date == dt.date(2020, 4, 1)


def test_tag_longer_than_a_tag_name_can_be_is_a_row_error(cat):
    """Tag.name holds 100 characters: a longer tag is a bad cell, not a database error
    (PostgreSQL raises DataError; SQLite silently stores it)."""
    before = counts()

    errors = failed("name,tags\nsw1,ok\nsw2," + "t" * 101 + "\n")

    assert errors == [(3, "tags")]
    assert counts() == before


def test_reimporting_an_ipv4_mapped_ipv6_address_changes_nothing(cat):
    text = "name,management_address\nsw1,::ffff:10.1.2.3\n"
    assets_csv.import_csv(text, actor_name="import")
    before = counts()

    summary = assets_csv.import_csv(text, actor_name="import")

    assert summary == {"created": 0, "updated": 0, "unchanged": 1}
    assert counts() == before


# --- dry run and change log ------------------------------------------------------------------------

def test_dry_run_writes_nothing_but_reports_what_would_change(cat):
    before = counts()

    assert assets_csv.import_csv(GOOD, actor_name="import", dry_run=True) == {
        "created": 3, "updated": 0, "unchanged": 0}
    assert counts() == before

    assets_csv.import_csv(GOOD, actor_name="import")
    before = counts()
    changed = GOOD.replace("17.09.04a", "17.12.03").replace("Floor 2", "Floor 3")

    assert assets_csv.import_csv(changed, actor_name="import", dry_run=True) == {
        "created": 0, "updated": 1, "unchanged": 2}
    assert counts() == before
    assert Asset.objects.get(name="sth-acc-sw01").software_version == "17.09.04a"


def test_dry_run_of_a_bad_file_raises_the_same_errors(cat):
    with pytest.raises(ImportFailed) as info:
        assets_csv.import_csv(BAD, actor_name="import", dry_run=True)

    assert [(e.line, e.column) for e in info.value.errors] == BAD_ERRORS


def test_change_log_rows_carry_the_import_actor(cat):
    user = UserFactory(groups=["engineer"])
    last_change = ObjectChange.objects.order_by("-pk").first().pk

    assets_csv.import_csv(GOOD, actor_name="import good.csv by someone", user=user)

    new = list(ObjectChange.objects.filter(pk__gt=last_change))
    asset_rows = [c for c in new if c.content_type.model == "asset"]
    tag_rows = [c for c in new if c.content_type.model == "tag"]
    assert len(asset_rows) == 3 and len(tag_rows) == 2
    assert {c.action for c in asset_rows} == {ChangeAction.CREATE}
    assert {c.object_id for c in asset_rows} == set(Asset.objects.values_list("pk", flat=True))
    assert {(c.actor_kind, c.actor, c.user_id) for c in new} == {
        (ActorKind.IMPORT, "import good.csv by someone", user.pk)}
    assert len({c.batch for c in new}) == 1
    sw = next(c for c in asset_rows if c.object_repr == "sth-acc-sw01")
    assert sw.prechange_data is None
    assert sw.postchange_data["tags"] == ["core", "poe"]
    assert sw.postchange_data["purchase_cost"] == "1250.00"
    assert sw.postchange_data["hardware_model_id"] == cat.c9300.pk


# --- export and round trip ---------------------------------------------------------------------

@pytest.fixture
def inventory(cat):
    core = Tag.objects.create(name="core", slug="core")
    poe = Tag.objects.create(name="PoE 802.3bt", slug="poe")
    full = AssetFactory(
        name="sth-core-sw01", hardware_model=cat.c9300, serial="FOC2233X1YZ", asset_tag="WH-1",
        platform=cat.iosxe, software_version="17.09.04a", role="core", site=cat.stadthaus,
        org_unit=cat.tiefbau, status=AssetStatus.ACTIVE, management_address="10.20.0.1",
        purchase_date=dt.date(2019, 2, 28), in_service_date=dt.date(2019, 3, 29),
        purchase_cost=Decimal("11250.50"), warranty_end=dt.date(2024, 2, 29),
        comments='Rack 3, U12; "spare PSU" on the shelf\nsecond line, with ümlauts',
    )
    full.tags.set([core, poe])
    AssetFactory(name="rzn-acc-sw07", hardware_model=cat.ex3400, serial="NX0000001",
                 platform=cat.junos, site=cat.rz, org_unit=cat.bau, status=AssetStatus.MAINTENANCE,
                 management_address="2001:db8:10::5", purchase_cost=Decimal("0.99"),
                 purchase_date=None, in_service_date=None).tags.set([poe])
    AssetFactory(name="whs-spare-01", hardware_model=None, manufacturer=cat.cisco, serial="FOCNOMODEL",
                 site=cat.werkhof, status=AssetStatus.SPARE, purchase_cost=Decimal("100"),
                 purchase_date=dt.date(2015, 1, 1), in_service_date=None)
    AssetFactory(name="planned-fw01", hardware_model=None, serial="", site=None, status=AssetStatus.PLANNED,
                 purchase_date=None, in_service_date=None, purchase_cost=None)
    AssetFactory(name="rzn-wan-rt01", hardware_model=cat.isr, serial="FDO111", site=cat.rz,
                 source=AssetSource.DISCOVERY, first_seen=timezone.now() - dt.timedelta(days=30),
                 last_seen=timezone.now(), status=AssetStatus.DECOMMISSIONED,
                 management_address="fe80::1ff:fe23:4567:890a")
    return Asset.objects.count()


def test_export_writes_the_header_and_one_row_per_asset(inventory):
    text = export_text()

    lines = text.split("\n")
    assert lines[0] == ",".join(assets_csv.EXPORT_COLUMNS)
    assert text.endswith("\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == inventory
    full = rows[0]
    assert full["name"] == "sth-core-sw01"
    assert full["manufacturer"] == "Cisco"
    assert full["model"] == "C9300-48P"
    assert (full["platform"], full["site"], full["org_unit"]) == ("cisco-ios-xe", "stadthaus", "bau-tiefbau")
    assert full["purchase_cost"] == "11250.50"
    assert full["purchase_date"] == "2019-02-28"
    assert full["tags"] == "PoE 802.3bt, core"
    assert full["comments"].startswith("Rack 3, U12;")
    assert rows[1]["management_address"] == "2001:db8:10::5"
    assert rows[3]["serial"] == rows[3]["manufacturer"] == rows[3]["purchase_cost"] == ""
    assert rows[4]["source"] == "discovery" and rows[4]["first_seen"]


def test_export_then_import_changes_nothing_and_exports_the_same_bytes(inventory):
    before = counts()
    first = export_text()

    summary = assets_csv.import_csv(first, actor_name="import export.csv")

    assert summary == {"created": 0, "updated": 0, "unchanged": inventory}
    assert counts() == before
    assert export_text() == first


def test_export_imports_into_an_empty_inventory_as_the_same_assets(inventory):
    first = export_text()
    Asset.objects.all().delete()

    summary = assets_csv.import_csv(first, actor_name="import export.csv")

    assert summary == {"created": inventory, "updated": 0, "unchanged": 0}
    # The same content, apart from what an import does not carry over: source, first/last seen.
    def content(text):
        return [{k: v for k, v in row.items() if k not in assets_csv.READ_ONLY}
                for row in csv.DictReader(io.StringIO(text))]
    assert content(export_text()) == content(first)


def test_export_of_a_queryset_writes_only_those_assets(inventory):
    text = export_text(Asset.objects.filter(site__slug="rz-nord"))

    names = [line.split(",", 1)[0] for line in text.strip().split("\n")[1:]]
    assert names == ["rzn-acc-sw07", "rzn-wan-rt01"]


def test_round_trip_asset_without_serial_named_like_an_asset_with_serial(cat):
    """An ordered replacement often gets the hostname of the device it replaces."""
    AssetFactory(name="sth-acc-sw01", hardware_model=cat.c9300, serial="FOCOLD0001")
    AssetFactory(name="sth-acc-sw01", hardware_model=cat.c9300, serial="", status=AssetStatus.PLANNED)
    before = counts()
    first = export_text()

    summary = assets_csv.import_csv(first, actor_name="import export.csv")

    assert summary == {"created": 0, "updated": 0, "unchanged": 2}
    assert counts() == before


def test_round_trip_org_unit_whose_slug_is_the_name_of_another_unit(cat):
    """A central IT department (slug "informatik") and an office "Informatik" in another one."""
    central = OrgUnitFactory(name="Informatik", slug="informatik")
    OrgUnitFactory(name="Informatik", slug="bau-informatik", parent=cat.bau)
    AssetFactory(name="rzn-core-sw01", hardware_model=cat.c9300, serial="FOC1", org_unit=central)
    first = export_text()
    assert ",informatik," in first

    summary = assets_csv.import_csv(first, actor_name="import export.csv")

    assert summary == {"created": 0, "updated": 0, "unchanged": 1}


@pytest.mark.django_db(transaction=True)
def test_conflict_created_between_check_and_write_writes_nothing(cat):
    """Another writer takes the serial after the file was checked: the database refuses the
    import as a whole and the error says so; nothing of the file is written."""
    plan = assets_csv.parse(
        "name,serial,manufacturer,model,tags\nsw-a,RACE1,cisco,C9300-48P,core\n"
        "sw-b,RACE2,cisco,C9300-48P,\n"
    )
    AssetFactory(name="someone-else", hardware_model=cat.c9300, serial="RACE2")
    before = counts()

    with pytest.raises(ImportFailed) as info:
        assets_csv.apply(plan, actor_name="import race.csv")

    assert "another change happened meanwhile" in str(info.value.errors[0])
    assert counts() == before
    assert not Asset.objects.filter(serial="RACE1").exists()


def test_rows_changing_different_fields_each_keep_their_other_values(cat):
    """Updates are written for the union of changed fields; every row keeps what it did not
    change (the PostgreSQL path writes them through a temporary table)."""
    a = AssetFactory(name="sw-a", hardware_model=cat.c9300, serial="U1", site=cat.stadthaus,
                     comments="keep me", purchase_cost=Decimal("100.00"))
    b = AssetFactory(name="sw-b", hardware_model=cat.c9300, serial="U2", site=cat.rz,
                     comments="old", purchase_cost=Decimal("200.00"))
    untouched = AssetFactory(name="sw-c", hardware_model=cat.c9300, serial="U3", site=cat.rz)

    summary = assets_csv.import_csv(
        "name,serial,manufacturer,site,comments\n"
        "sw-a,U1,cisco,werkhof-sued,keep me\n"
        "sw-b,U2,cisco,rz-nord,new comment\n",
        actor_name="import",
    )

    assert summary == {"created": 0, "updated": 2, "unchanged": 0}
    a.refresh_from_db()
    b.refresh_from_db()
    untouched.refresh_from_db()
    assert (a.site, a.comments, a.purchase_cost) == (cat.werkhof, "keep me", Decimal("100.00"))
    assert (b.site, b.comments, b.purchase_cost) == (cat.rz, "new comment", Decimal("200.00"))
    assert untouched.site == cat.rz
    assert set(ObjectChange.objects.for_object(a).first().changed_fields()) == {"site_id"}
    assert set(ObjectChange.objects.for_object(b).first().changed_fields()) == {"comments"}


@pytest.mark.parametrize("cell", ["12345678901234567890123456789", "1e30"])
def test_absurd_amount_is_a_row_error_not_a_crash(cat, cell):
    assert failed(f"name,purchase_cost\nsw1,{cell}\n") == [(2, "purchase_cost")]


def test_nul_byte_is_reported_with_its_line(cat):
    with pytest.raises(ImportFailed) as info:
        assets_csv.import_csv("name,comments\nsw1,ok\nsw2,a\x00b\n", actor_name="import")
    assert "line 3" in str(info.value.errors[0]) and "NUL" in str(info.value.errors[0])
    assert Asset.objects.count() == 0


def test_ipv6_zone_is_rejected_since_it_cannot_be_stored(cat):
    assert failed("name,management_address\nsw1,fe80::1%eth0\n") == [(2, "management_address")]


def test_new_tag_with_a_long_name_gets_a_slug_that_fits(cat):
    Tag.objects.create(name="existing", slug="a" * 100)
    assets_csv.import_csv(f'name,tags\nsw1,{"a" * 100}\n', actor_name="import")
    tag = Tag.objects.get(name="a" * 100)
    assert len(tag.slug) <= 100 and tag.slug != "a" * 100


def test_asset_changed_by_someone_else_after_the_check_is_not_overwritten(cat):
    sw = AssetFactory(name="sw1", hardware_model=cat.c9300, serial="S1", role="access")
    plan = assets_csv.parse("name,serial,manufacturer,role\nsw1,S1,cisco,core\n")
    Asset.objects.filter(pk=sw.pk).update(comments="edited meanwhile")
    before = counts()

    with pytest.raises(ImportFailed) as info:
        assets_csv.apply(plan, actor_name="import")

    assert info.value.errors[0].line == 2 and "changed by someone else" in info.value.errors[0].message
    assert counts() == before
    sw.refresh_from_db()
    assert (sw.role, sw.comments) == ("access", "edited meanwhile")


# --- speed without changing what is written (#13) -------------------------------------------------

def test_unchanged_tags_keep_their_links_when_other_cells_change(cat):
    """Only the links of assets whose tags changed are rewritten; the rest stay as they are."""
    assets_csv.import_csv(GOOD, actor_name="import good.csv")
    through = Asset.tags.through
    links = sorted(through.objects.values_list("pk", "asset__name", "tag__name"))

    summary = assets_csv.import_csv(GOOD.replace("Floor 2", "Floor 3"), actor_name="import")

    assert summary == {"created": 0, "updated": 1, "unchanged": 2}
    assert sorted(through.objects.values_list("pk", "asset__name", "tag__name")) == links
    assets_csv.import_csv(GOOD.replace('"poe, core"', '"core, uplink"'), actor_name="import")
    assert sorted(through.objects.values_list("asset__name", "tag__name")) == [
        ("sth-acc-sw01", "core"), ("sth-acc-sw01", "uplink")]


@pytest.mark.parametrize("text", [
    "10.20.0.11", "10.0.0.0", "255.255.255.255", "192.168.1.100", "1.2.3.4", "010.1.1.1", "1.2.3.256",
    "1.2.3", "1.2.3.4.5", "1..3.4", " 1.2.3.4", "1.2.3.4/32", "١.2.3.4", "2001:DB8::1", "::ffff:10.0.0.1",
    "fe80::1%eth0", "x",
])
def test_an_address_is_kept_normalised_or_refused_as_ipaddress_does(text):
    """Plain IPv4 addresses skip ipaddress (faster); the answer is the same."""
    import ipaddress

    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        expected = None
    else:
        expected = None if getattr(address, "scope_id", None) else str(
            getattr(address, "ipv4_mapped", None) or address)
    try:
        got = assets_csv._address(text)
    except assets_csv._CellError:
        got = None
    assert got == expected


def test_import_pauses_the_garbage_collector_only_while_it_runs(cat):
    import gc

    assert gc.isenabled()
    assets_csv.import_csv(GOOD, actor_name="import good.csv")
    assert gc.isenabled()
    with pytest.raises(ImportFailed):
        assets_csv.import_csv("name,status\nsw1,broken\n", actor_name="import")
    assert gc.isenabled()
    gc.disable()
    try:
        assets_csv.import_csv(GOOD, actor_name="import good.csv", dry_run=True)
        assert not gc.isenabled()  # the program's choice is left alone
    finally:
        gc.enable()


def test_assets_changed_or_deleted_after_the_check_are_named_and_nothing_is_written(cat):
    """The updates are checked against what ``parse`` read in the UPDATE itself (PostgreSQL) or
    before it: every asset changed or deleted meanwhile is named, by line; nothing is written."""
    a = AssetFactory(name="sw-a", hardware_model=cat.c9300, serial="S1", role="access")
    b = AssetFactory(name="sw-b", hardware_model=cat.c9300, serial="S2", role="access")
    AssetFactory(name="sw-c", hardware_model=cat.c9300, serial="S3", role="access")
    plan = assets_csv.parse("name,serial,manufacturer,role\nsw-new,S9,cisco,core\n"
                            "sw-c,S3,cisco,core\nsw-b,S2,cisco,core\nsw-a,S1,cisco,core\n")
    Asset.objects.filter(pk=a.pk).update(comments="edited meanwhile")
    b.delete()
    before = counts()

    with pytest.raises(ImportFailed) as info:
        assets_csv.apply(plan, actor_name="import")

    assert [(e.line, e.message) for e in info.value.errors] == [
        (4, "“sw-b” was deleted since the file was checked"),
        (5, "“sw-a” was changed by someone else since the file was checked"),
        (0, "nothing was written; import the file again"),
    ]
    assert counts() == before
    assert sorted(Asset.objects.values_list("name", "role")) == [("sw-a", "access"), ("sw-c", "access")]


def test_a_tags_only_update_is_checked_too(cat):
    sw = AssetFactory(name="sw1", hardware_model=cat.c9300, serial="S1")
    plan = assets_csv.parse("name,serial,manufacturer,tags\nsw1,S1,cisco,core\n")
    Asset.objects.filter(pk=sw.pk).update(role="edited meanwhile")

    with pytest.raises(ImportFailed) as info:
        assets_csv.apply(plan, actor_name="import")

    assert "changed by someone else" in info.value.errors[0].message
    assert not sw.tags.exists()


@pytest.mark.django_db(transaction=True)
def test_change_log_failing_while_the_assets_are_written_writes_nothing(cat, monkeypatch):
    """The change log is made in a thread while the rows are written; if making it fails, the
    import fails as a whole: no asset without its change log."""
    from inventory import changelog

    existing = AssetFactory(name="sw-old", hardware_model=cat.c9300, serial="OLD1", comments="a")
    before = counts()

    def broken(self, changes):
        list(changes)
        raise RuntimeError("change log broke")

    monkeypatch.setattr(changelog.ChangeRows, "make", broken)
    with pytest.raises(RuntimeError, match="change log broke"):
        assets_csv.import_csv("name,serial,manufacturer,model,comments\n"
                              "sw-new,NEW1,cisco,C9300-48P,\nsw-old,OLD1,cisco,C9300-48P,b\n",
                              actor_name="import broken.csv")

    assert counts() == before
    assert Asset.objects.get(pk=existing.pk).comments == "a"
    assert not Asset.objects.filter(serial="NEW1").exists()


def test_every_imported_asset_has_its_own_change_log_row(cat):
    """Keys taken ahead (PostgreSQL) or at the insert (SQLite): each change names its asset."""
    text = "name,serial,manufacturer,model,tags\n" + "".join(
        f"sw-{i},S{i},cisco,C9300-48P,{'core' if i % 2 else ''}\n" for i in range(30))

    assets_csv.import_csv(text, actor_name="import many.csv")

    assets = dict(Asset.objects.filter(name__startswith="sw-").values_list("pk", "name"))
    logged = {c.object_id: (c.object_repr, c.postchange_data["name"], c.postchange_data["tags"])
              for c in ObjectChange.objects.filter(actor="import many.csv", content_type__model="asset")}
    assert len(assets) == 30
    assert logged == {pk: (name, name, ["core"] if int(name[3:]) % 2 else [])
                      for pk, name in assets.items()}
    assert sorted(Asset.objects.get(name="sw-1").tags.values_list("name", flat=True)) == ["core"]


class _ChunkedFile(io.BytesIO):
    """A binary file that refuses to be read whole and remembers the largest piece read."""

    largest = 0

    def read(self, size=-1):
        assert size is not None and 0 <= size <= 1 << 20, f"read({size})"
        self.largest = max(self.largest, size)
        return super().read(size)

    def read1(self, size=-1):
        return self.read(size)

    def __next__(self):
        line = super().readline()
        if not line:
            raise StopIteration
        self.largest = max(self.largest, len(line))
        return line


def test_an_uploaded_file_is_read_as_a_stream(cat):
    """An upload (binary, with a byte-order mark, semicolons as Swiss Excel writes) is decoded
    and parsed as it is read, in chunks: never the whole file at once."""
    text = "\ufeffname;serial;manufacturer;model;comments\n" + "".join(
        f"sw-{i};ST{i};cisco;C9300-48P;für {i}\n" for i in range(3000))
    upload = _ChunkedFile(text.encode("utf-8"))

    summary = assets_csv.import_csv(upload, actor_name="import stream.csv")

    assert summary == {"created": 3000, "updated": 0, "unchanged": 0}
    assert 0 < upload.largest < len(text) // 4
    assert Asset.objects.get(serial="ST2999").comments == "für 2999"
    assert not upload.closed  # the caller's file is left open


def test_the_row_cap_stops_reading(cat, settings):
    settings.IMPORT_MAX_ROWS = 100
    body = "".join(f"sw-{i},SC{i},cisco,C9300-48P\n" for i in range(20000)).encode()
    upload = _ChunkedFile(b"name,serial,manufacturer,model\n" + body)

    with pytest.raises(ImportFailed) as info:
        assets_csv.import_csv(upload, actor_name="import big.csv")

    assert [(e.line, str(e)) for e in info.value.errors] == [
        (102, "line 102: the file has more than 100 rows (IMPORT_MAX_ROWS); split it into several files")]
    assert upload.tell() < len(body) // 2  # stopped reading there
    assert Asset.objects.count() == 0


def test_a_file_that_turns_out_not_to_be_utf8_names_the_line(cat):
    upload = io.BytesIO("name,comments\nsw1,ok\nsw2,Süd\n".encode("latin-1"))
    with pytest.raises(ImportFailed) as info:
        assets_csv.import_csv(upload, actor_name="import latin.csv")
    assert [(e.line, str(e)) for e in info.value.errors] == [
        (3, "line 3: not a readable CSV file: the line is not UTF-8 text (byte 26 of the file)")]
    assert Asset.objects.count() == 0
