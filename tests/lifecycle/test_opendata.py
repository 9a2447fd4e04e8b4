"""Open data (issue #16): ``manage.py export_opendata DIR`` — known answers on a small inventory
with groups above, at and below k; nothing that names an asset, a site, an address or an org unit
below the Direktion in any file; ``frictionless validate`` passes; the DCAT-AP CH file holds what
opendata.swiss asks for; bad options exit 2 naming the option and write nothing."""

import csv
import datetime as dt
import json
import math
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree as ET

import frictionless
import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from inventory.choices import HardwareCategory
from inventory.models import Asset, HardwareModel
from lifecycle import figures, opendata, rules, state
from lifecycle.models import HardwareNotice
from tests.factories import AssetFactory, HardwareModelFactory, OrgUnitFactory, SiteFactory

pytestmark = pytest.mark.django_db

AT = dt.date(2026, 6, 1)
FILES = ["assets.csv", "codes.csv", "datapackage.json", "dcat-ap-ch.xml"]
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "schema": "http://schema.org/",
}
LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
CONTACT = "opendata@werterhalt.ch"


@pytest.fixture
def inventory():
    """26 assets in use in 6 groups on AT, and 5 more that are not in use:

    - Präsidialdirektion (its assets spread over the Direktion and two units below it):
      6 switches supported, in service 2024-07-01 (1.92 years: 0-2), list price 5,250 → 31,500;
      5 switches out of support (last date of support 2025-12-31), in service 2020-04-01 (6.17
      years: 5-6), 1,000 each → 5,000 — exactly k; 4 servers without vendor dates (unknown),
      in service 2022-09-01 (3-4) → fewer than k.
    - Schuldirektion: 5 firewalls whose support ends 2026-12-31, within the 12 months' warning
      (ending), in service 2018-03-01 (8.25 years: 7-8), 8,000 each → 40,000; 1 supported switch
      (0-2) beside 3 spare and 2 decommissioned ones of the same kind, which do not count.
    - No org unit: 5 supported switches in service 2025-01-01 (0-2) → 26,250.
    """
    top = OrgUnitFactory(name="Präsidialdirektion", slug="praesidialdirektion")
    xylo = OrgUnitFactory(name="Fachstelle Xylo", slug="fachstelle-xylo", parent=top)
    quark = OrgUnitFactory(name="Gruppe Quark", slug="gruppe-quark", parent=xylo)
    school = OrgUnitFactory(name="Schuldirektion", slug="schuldirektion")
    quendel = OrgUnitFactory(name="Schulhaus Quendel", slug="schulhaus-quendel", parent=school)
    sites = [
        SiteFactory(name="Stadthaus Zinnober", slug="zinnober", address="Zinnobergasse 7, 8400 Werthausen"),
        SiteFactory(name="Depot Kümmel", slug="kuemmel", address="Kümmelweg 99, 8401 Werthausen"),
    ]
    old = HardwareModelFactory(model="OLD-48", category="switch", list_price=Decimal("1000"))
    new = HardwareModelFactory(model="NEW-48", category="switch", list_price=Decimal("5250"))
    server = HardwareModelFactory(model="SRV-2U", category="server", list_price=Decimal("12000"))
    firewall = HardwareModelFactory(model="FW-9", category="firewall", list_price=Decimal("8000"))
    HardwareNotice.objects.create(last_date_of_support=dt.date(2025, 12, 31)).hardware_models.add(old)
    HardwareNotice.objects.create(last_date_of_support=dt.date(2033, 12, 31)).hardware_models.add(new)
    HardwareNotice.objects.create(last_date_of_support=dt.date(2026, 12, 31)).hardware_models.add(firewall)
    made = []

    def assets(count, model, unit, start, status="active"):
        for _ in range(count):
            n = len(made)
            made.append(AssetFactory(
                name=f"host-{n:03d}-quasar", serial=f"SER-{n:05d}-ZETA", hardware_model=model,
                org_unit=unit, site=sites[n % 2], status=status, in_service_date=start, purchase_date=start,
                management_address=f"192.0.2.{n + 1}", asset_tag=f"TAG-{n:05d}",
            ))

    assets(2, new, top, dt.date(2024, 7, 1))
    assets(2, new, xylo, dt.date(2024, 7, 1))
    assets(2, new, quark, dt.date(2024, 7, 1))
    assets(5, old, quark, dt.date(2020, 4, 1))
    assets(4, server, xylo, dt.date(2022, 9, 1))
    assets(5, firewall, quendel, dt.date(2018, 3, 1))
    assets(1, new, quendel, dt.date(2025, 2, 1))
    assets(3, new, quendel, dt.date(2025, 2, 1), status="spare")
    assets(2, new, school, dt.date(2025, 2, 1), status="decommissioned")
    assets(5, new, None, dt.date(2025, 1, 1))
    state.refresh(at=AT)
    return {"assets": made, "sites": sites, "units": [top, xylo, quark, school, quendel]}


PUBLISHED = [
    ["2026-06-01", "(ohne)", "switch", "supported", "0-2", "5", "26000"],
    ["2026-06-01", "praesidialdirektion", "switch", "out_of_support", "5-6", "5", "5000"],
    ["2026-06-01", "praesidialdirektion", "switch", "supported", "0-2", "6", "32000"],
    ["2026-06-01", "schuldirektion", "firewall", "ending", "7-8", "5", "40000"],
]


def export(tmp_path, *args) -> Path:
    folder = tmp_path / "od"
    call_command("export_opendata", str(folder), "--at", AT.isoformat(), *args)
    return folder


def read_dcat(folder: Path) -> ET.Element:
    return ET.parse(folder / "dcat-ap-ch.xml").getroot()  # noqa: S314 - the file this test just wrote


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@override_settings(OPENDATA_MIN_GROUP=5)
def test_groups_of_k_and_more_are_published_with_rounded_values(inventory, tmp_path):
    folder = export(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == FILES  # no scratch folder left behind
    rows = read_csv(folder / "assets.csv")
    assert rows[0] == ["date", "direktion", "category", "support_status", "age_band", "assets",
                       "replacement_value_chf"]
    assert rows[1:] == PUBLISHED
    raw = (folder / "assets.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw  # plain UTF-8, LF, no BOM


@override_settings(OPENDATA_MIN_GROUP=5)
def test_what_is_left_out_and_why(inventory):
    publication = opendata.aggregate(AT)
    # 26 in use in 6 groups: the 4 servers and the Schuldirektion's one switch are left out
    assert (publication.in_use, publication.groups) == (26, 6)
    assert (publication.suppressed_groups, publication.suppressed_assets) == (2, 5)
    assert publication.rows["assets"].min() >= 5  # no published row stands for fewer than k
    assert publication.direktionen == {
        "(ohne)": "(no Direktion)", "praesidialdirektion": "Präsidialdirektion",
        "schuldirektion": "Schuldirektion",
    }
    # the out-of-support count is figures' own (one home): 5 in the published rows, 5 in totals
    out = publication.rows.loc[publication.rows["support_status"] == "out_of_support", "assets"].sum()
    assert out == figures.totals(figures.answers(AT), AT)["out_of_support"] == 5


def test_a_smaller_k_publishes_the_smaller_groups(inventory):
    rows = opendata.aggregate(AT, k=1).rows
    assert len(rows) == 6 and rows["assets"].sum() == 26 == figures.totals(figures.answers(AT), AT)["count"]
    small = rows[rows["assets"] < 5][["direktion", "category", "support_status", "age_band", "assets",
                                      "replacement_value_chf"]]
    assert small.values.tolist() == [
        ["praesidialdirektion", "server", "unknown", "3-4", 4, 48000],
        ["schuldirektion", "switch", "supported", "0-2", 1, 5000],  # 5,250 rounds to 5,000
    ]
    with override_settings(OPENDATA_MIN_GROUP=7):
        assert opendata.aggregate(AT).rows.empty  # no group of 7: nothing, not even the Direktionen


@override_settings(OPENDATA_MIN_GROUP=5)
def test_no_name_serial_address_site_or_unit_below_the_direktion_anywhere(inventory, tmp_path):
    folder = export(tmp_path, "--base-url", "https://data.werterhalt.ch/ict/", "--contact", CONTACT)
    text = "\n".join((folder / name).read_text(encoding="utf-8") for name in FILES).casefold()
    secrets = []
    for asset in Asset.objects.all():
        secrets += [asset.name, asset.serial, asset.asset_tag, asset.management_address]
    for site in inventory["sites"]:
        secrets += [site.name, site.slug, site.address, site.address.split(",")[0]]
    for unit in inventory["units"][1:3] + inventory["units"][4:]:
        secrets += [unit.name, unit.slug]
    for model in HardwareModel.objects.select_related("manufacturer"):
        secrets += [model.model, model.name, model.manufacturer.name]
    secrets += ["quasar", "zeta", "192.0.2."]
    assert len(secrets) == 4 * 31 + 4 * 2 + 2 * 3 + 4 * 3 + 3
    found = [s for s in secrets if s.casefold() in text]
    assert found == []


def test_support_status_is_figures_out_of_support_then_the_hardware_group():
    hardware = np.array(["supported", "supported_no_end", "end_of_sale", "maintenance_ending",
                         "security_only", "unsupported", "unknown", "supported", "unknown"], dtype=object)
    software = np.array(["unknown"] * 7 + ["unsupported", "unsupported"], dtype=object)
    assert opendata.support_status(hardware, software).tolist() == [
        "supported", "supported", "supported", "ending", "ending", "out_of_support", "unknown",
        "out_of_support", "out_of_support",  # software out of support: out, as figures counts it
    ]
    assert figures.OUT_OF_SUPPORT == (rules.UNSUPPORTED,)


def test_age_bands_count_whole_years():
    ages = np.array([math.nan, -0.5, 0.0, 2.99, 3.0, 4.99, 5.0, 6.5, 7.0, 8.99, 9.0, 42.0])
    assert opendata.age_band(ages).tolist() == [
        "unknown", "0-2", "0-2", "0-2", "3-4", "3-4", "5-6", "5-6", "7-8", "7-8", "9+", "9+",
    ]


def test_values_round_to_the_nearest_thousand_half_up():
    assert [opendata.rounded(c) for c in (0, 49_999, 50_000, 3_150_000, 2_625_000, 2_624_999)] == [
        0, 0, 1000, 32000, 26000, 26000,
    ]


@override_settings(OPENDATA_MIN_GROUP=5, OPENDATA_LICENSE="CC-BY-4.0",
                   OPENDATA_PUBLISHER="Stadt Werterhalt, Informatikdienste",
                   OPENDATA_PUBLISHER_URL="https://www.werterhalt.ch/informatik")
def test_the_datapackage_is_valid_frictionless_and_says_what_it_holds(inventory, tmp_path):
    folder = export(tmp_path)
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    # codes: 3 use statuses + every category + 4 support statuses + 6 age bands
    assert [task.stats["rows"] for task in report.tasks] == [4, 3 + len(HardwareCategory) + 4 + 6]
    cli = subprocess.run([str(Path(sys.executable).parent / "frictionless"), "validate", "--json",
                          str(folder / "datapackage.json")], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0 and json.loads(cli.stdout)["valid"] is True, cli.stdout + cli.stderr
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    assert package["profile"] == "tabular-data-package"
    assert package["licenses"] == [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                                    "title": "Creative Commons Attribution 4.0 International"}]
    assert package["contributors"] == [{"title": "Stadt Werterhalt, Informatikdienste", "role": "publisher",
                                        "path": "https://www.werterhalt.ch/informatik"}]
    assert package["date"] == "2026-06-01"
    assert package["keywords"][0] == "ICT"  # the German ones first, each word once
    assert package["keywords"][-3:] == ["infrastructure", "lifecycle", "administration"]
    assert dt.datetime.fromisoformat(package["created"]).tzinfo is not None
    assert package["title_en"] == (
        "ICT infrastructure of the city administration: assets by age and support status"
    )
    assert "Groups of fewer than 5 devices are not published" in package["description_en"]
    data = package["resources"][0]
    assert (data["path"], data["format"], data["encoding"]) == ("assets.csv", "csv", "utf-8")
    fields = {f["name"]: f for f in data["schema"]["fields"]}
    assert list(fields) == ["date", "direktion", "category", "support_status", "age_band", "assets",
                            "replacement_value_chf"]
    assert data["schema"]["primaryKey"] == list(fields)[:5]
    assert fields["assets"]["constraints"] == {"required": True, "minimum": 5}
    assert fields["assets"]["description_en"] == "Number of devices in use in the group (at least 5)."
    assert fields["support_status"]["constraints"]["enum"] == [
        "supported", "ending", "out_of_support", "unknown",
    ]
    assert fields["age_band"]["constraints"]["enum"] == ["0-2", "3-4", "5-6", "7-8", "9+", "unknown"]
    assert fields["direktion"]["constraints"]["enum"] == ["(ohne)", "praesidialdirektion", "schuldirektion"]
    assert all(f["title"] and f["title_en"] and f["description"] for f in fields.values())
    codes = read_csv(folder / "codes.csv")
    assert codes[0] == ["field", "code", "label_de", "label_en"]
    assert codes[1:4] == [
        ["direktion", "(ohne)", "(ohne Direktion)" if _german_catalogue() else "(no Direktion)",
         "(no Direktion)"],
        ["direktion", "praesidialdirektion", "Präsidialdirektion", "Präsidialdirektion"],
        ["direktion", "schuldirektion", "Schuldirektion", "Schuldirektion"],
    ]
    by_code = {(row[0], row[1]): row[2:] for row in codes[1:]}
    # labels the German catalogue already holds
    assert by_code[("category", "wireless")] == ["WLAN", "Wireless"]
    assert by_code[("category", "other")] == ["Sonstige", "Other"]
    assert by_code[("support_status", "supported")] == ["Unterstützt", "Supported"]
    assert by_code[("support_status", "out_of_support")] == ["Ohne Support", "Out of support"]
    assert by_code[("age_band", "unknown")] == ["Unbekannt", "Unknown"]


def _german_catalogue() -> bool:
    """Whether the German catalogue already holds this export's own words (merged from
    /tmp/po/opendata.po): until then they come out in English."""
    from django.utils import translation

    with translation.override("de"):
        return str(opendata.NO_DIREKTION_LABEL) != "(no Direktion)"


@override_settings(OPENDATA_MIN_GROUP=5, OPENDATA_PUBLISHER="Stadt Werterhalt, Informatikdienste",
                   OPENDATA_PUBLISHER_URL="https://www.werterhalt.ch/informatik")
def test_the_dcat_ap_ch_file_holds_what_opendata_swiss_asks_for(inventory, tmp_path):
    folder = export(tmp_path, "--base-url", "https://data.werterhalt.ch/ict", "--contact", CONTACT)
    root = read_dcat(folder)
    dataset = root.find("dcat:Catalog/dcat:dataset/dcat:Dataset", NS)

    def texts(node, path):
        return {e.get(LANG): e.text for e in node.findall(path, NS)}

    def resource(node, path):
        return node.find(path, NS).get(RDF + "resource")

    assert dataset.get(RDF + "about") == "https://data.werterhalt.ch/ict/dcat-ap-ch.xml#dataset"
    assert dataset.find("dct:identifier", NS).text == "ict-infrastruktur-lebenszyklus@stadt-werterhalt"
    assert set(texts(dataset, "dct:title")) == set(texts(dataset, "dct:description")) == {"de", "en"}
    assert texts(dataset, "dct:title")["en"] == (
        "ICT infrastructure of the city administration: assets by age and support status"
    )
    publisher = dataset.find("dct:publisher/foaf:Organization", NS)
    assert publisher.get(RDF + "about") == "https://www.werterhalt.ch/informatik"
    assert publisher.find("foaf:name", NS).text == "Stadt Werterhalt, Informatikdienste"
    point = dataset.find("dcat:contactPoint/vcard:Organization", NS)
    assert point.find("vcard:fn", NS).text == "Stadt Werterhalt, Informatikdienste"
    assert resource(point, "vcard:hasEmail") == f"mailto:{CONTACT}"
    issued = dt.datetime.fromisoformat(dataset.find("dct:issued", NS).text)
    assert dataset.find("dct:modified", NS).text == issued.isoformat()
    assert resource(dataset, "dcat:theme") == "http://opendata.swiss/themes/government"
    keywords = [(e.get(LANG), e.text) for e in dataset.findall("dcat:keyword", NS)]
    assert ("en", "ICT") in keywords and ("en", "lifecycle") in keywords and len(keywords) == 8
    assert resource(dataset, "dct:accrualPeriodicity") == (
        "http://publications.europa.eu/resource/authority/frequency/IRREG"
    )
    assert dataset.find("dct:spatial", NS).text == "Stadt Werterhalt"
    period = dataset.find("dct:temporal/dct:PeriodOfTime", NS)
    assert (period.find("schema:startDate", NS).text, period.find("schema:endDate", NS).text) == (
        "2026-06-01", "2026-06-01",
    )
    distributions = dataset.findall("dcat:distribution/dcat:Distribution", NS)
    assert [resource(d, "dcat:downloadURL") for d in distributions] == [
        "https://data.werterhalt.ch/ict/assets.csv", "https://data.werterhalt.ch/ict/codes.csv",
    ]
    for d in distributions:
        assert set(texts(d, "dct:title")) == {"de", "en"}
        assert resource(d, "dcat:accessURL") == resource(d, "dcat:downloadURL")
        assert resource(d, "dct:license") == "http://dcat-ap.ch/vocabulary/licenses/terms_by"
        assert d.find("dct:rights", NS).text == "NonCommercialAllowed-CommercialAllowed-ReferenceRequired"
        assert (d.find("dcat:mediaType", NS).text, d.find("dct:format", NS).text) == ("text/csv", "CSV")
        assert dt.datetime.fromisoformat(d.find("dct:issued", NS).text) == issued


@override_settings(OPENDATA_MIN_GROUP=5)
def test_without_base_url_the_downloads_are_relative_and_a_second_run_replaces_the_files(inventory, tmp_path):
    folder = tmp_path / "od"
    folder.mkdir()
    (folder / "README.txt").write_text("mine", encoding="utf-8")
    export(tmp_path)
    Asset.objects.filter(org_unit__isnull=True).update(status="decommissioned")
    state.refresh(at=AT)
    export(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*FILES, "README.txt"])
    assert read_csv(folder / "assets.csv")[1:] == PUBLISHED[1:]  # the (ohne) group is gone
    root = read_dcat(folder)
    urls = [e.get(RDF + "resource") for e in root.findall(".//dcat:downloadURL", NS)]
    assert urls == ["assets.csv", "codes.csv"]
    assert root.find(".//dcat:Dataset", NS).get(RDF + "about") == "dcat-ap-ch.xml#dataset"
    assert root.find(".//vcard:hasEmail", NS) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--at", "2026-02-30"], "--at: '2026-02-30' is not a date (YYYY-MM-DD)"),
        (["--at", "01.06.2026"], "--at: '01.06.2026' is not a date (YYYY-MM-DD)"),
        (["--at", "1899-12-31"], "--at: 1899-12-31 is outside 1900-01-01 … 9000-12-31"),
        (["--base-url", "ftp://x.example/"], "--base-url: 'ftp://x.example/' is not an http(s) address"),
        (["--contact", "nobody"], "--contact: 'nobody' is not an e-mail address"),
    ],
)
def test_bad_options_exit_2_naming_the_option_and_write_nothing(tmp_path, args, message):
    folder = tmp_path / "od"
    with pytest.raises(CommandError) as error:
        call_command("export_opendata", str(folder), *args)
    assert error.value.returncode == 2
    assert message in str(error.value)
    assert not folder.exists()


def test_a_file_as_dir_exits_2(tmp_path):
    target = tmp_path / "file.csv"
    target.write_text("x", encoding="utf-8")
    below = target / "below"
    for path, message in ((target, f"argument DIR: {target}: is a file, not a folder"),
                          (below, f"argument DIR: {below}: {target} is a file, not a folder")):
        with pytest.raises(CommandError) as error:
            call_command("export_opendata", str(path))
        assert error.value.returncode == 2
        assert message in str(error.value)
    assert target.read_text(encoding="utf-8") == "x"


@override_settings(OPENDATA_LICENSE="proprietary")
def test_an_unknown_licence_is_named_and_nothing_is_written(inventory, tmp_path):
    with pytest.raises(CommandError, match="OPENDATA_LICENSE: 'proprietary' is not one of CC-BY-4.0, CC0"):
        export(tmp_path)
    assert not (tmp_path / "od").exists()


@override_settings(OPENDATA_MIN_GROUP=7)
def test_nothing_to_publish_is_still_a_valid_package(inventory, tmp_path):
    folder = export(tmp_path)
    assert read_csv(folder / "assets.csv") == [opendata.COLUMNS]
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [row[0] for row in read_csv(folder / "codes.csv")[1:]].count("direktion") == 0


@override_settings(OPENDATA_MIN_GROUP=5)
def test_a_direktion_named_like_a_formula_stays_text(tmp_path):
    unit = OrgUnitFactory(name='=HYPERLINK("http://x.example","Klick")', slug="-minus")
    AssetFactory.create_batch(5, org_unit=unit, hardware_model=HardwareModelFactory(category="router"))
    folder = export(tmp_path)
    rows = read_csv(folder / "assets.csv")[1:]
    assert [row[1:5] for row in rows] == [["'-minus", "router", "unknown", "5-6"]]
    assert read_csv(folder / "codes.csv")[1] == [
        "direktion", "'-minus", "'=HYPERLINK(\"http://x.example\",\"Klick\")",
        "'=HYPERLINK(\"http://x.example\",\"Klick\")",
    ]
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_an_empty_inventory_is_an_empty_valid_package(tmp_path):
    folder = export(tmp_path)
    assert read_csv(folder / "assets.csv") == [opendata.COLUMNS]
    assert frictionless.validate(str(folder / "datapackage.json")).valid
