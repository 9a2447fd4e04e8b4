"""hardware-csv and cisco-eox importers: good files, re-imports and bad files (nothing written)."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lifecycle.importers import ImportFailed, notices
from lifecycle.models import HardwareNotice
from tests.factories import HardwareModelFactory, ManufacturerFactory

pytestmark = pytest.mark.django_db
HEADER = (
    "vendor,part_number,end_of_sale_announced,end_of_sale,end_of_sw_maintenance,end_of_security_support,"
    "last_date_of_support,replacement,bulletin,source\n"
)


@pytest.fixture
def cisco():
    mfr = ManufacturerFactory(name="Cisco", slug="cisco", aliases=["Cisco Systems, Inc."])
    for part in ("WS-C2960X-48FPD-L", "WS-C2960X-24PS-L", "C9200L-48P-4G-E", "N3K-C3172PQ-10GE"):
        HardwareModelFactory(manufacturer=mfr, model=part)
    return mfr


def test_csv_rows_sharing_a_bulletin_make_one_notice(cisco):
    text = HEADER + (
        "Cisco Systems Inc.,WS-C2960X-48FPD-L,2021-10-31,2022-10-30,2023-10-30,2025-10-30,2027-10-31,"
        "C9200L-48P-4G-E,EOL14720,https://www.cisco.com/eol14720\n"
        "cisco,ws-c2960x-24ps-l,2021-10-31,2022-10-30,2023-10-30,2025-10-30,2027-10-31,,EOL14720,\n"
        "Cisco,N3K-C3172PQ-10GE,,,,,2026-01-31,,,\n"
    )
    summary = notices.write(notices.parse_csv(text), actor="test")
    assert (summary.created, summary.updated) == (2, 0)
    n = HardwareNotice.objects.get(bulletin="EOL14720")
    assert set(n.hardware_models.values_list("model", flat=True)) == {"WS-C2960X-48FPD-L", "WS-C2960X-24PS-L"}
    assert n.replacement_model.model == "C9200L-48P-4G-E"
    assert (n.end_of_sale, n.last_date_of_support) == (dt.date(2022, 10, 30), dt.date(2027, 10, 31))
    lone = HardwareNotice.objects.get(hardware_models__model="N3K-C3172PQ-10GE")
    assert lone.end_of_sale is None and lone.last_date_of_support == dt.date(2026, 1, 31)
    again = notices.write(notices.parse_csv(text), actor="test")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = notices.write(notices.parse_csv(text.replace("2026-01-31", "2026-07-31")), actor="test")
    assert (changed.created, changed.updated) == (0, 1)
    assert HardwareNotice.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("vendor,part\nCisco,X\n", "missing column(s): part_number"),
        ("vendor,part_number,colour\nCisco,X,red\n", "unknown column(s): colour"),
        (HEADER + "Cisco,WS-C2960X-48FPD-L,31.10.2021,,,,,,,\n", "'31.10.2021' is not a date"),
        (HEADER + ",WS-C2960X-48FPD-L,,,,,,,,\n", "vendor is empty"),
        (HEADER + "Juniper,EX4300-48T,,,,,2027-01-01,,,\n", "vendor 'Juniper' is not a known manufacturer"),
        (HEADER + "Cisco,WS-C9999,,,,,2027-01-01,,,\n", "is not a hardware model of Cisco"),
        (
            HEADER + "Cisco,WS-C2960X-48FPD-L,,,,,2027-01-01,,,\nCisco,WS-C2960X-48FPD-L,,,,,2028-01-01,,,\n",
            "appears twice",
        ),
        (
            HEADER
            + "Cisco,WS-C2960X-48FPD-L,,,,,2027-01-01,,B1,\nCisco,WS-C2960X-24PS-L,,,,,2028-01-01,,B1,\n",
            "dates differ",
        ),
        (HEADER, "no rows"),
    ],
)
def test_bad_csv_writes_nothing(cisco, text, message):
    with pytest.raises(ImportFailed) as err:
        notices.write(notices.parse_csv(text), actor="test")
    assert any(message in str(p) for p in err.value.problems), [str(p) for p in err.value.problems]
    assert not HardwareNotice.objects.exists()


def test_create_models_adds_unknown_part_numbers(cisco):
    text = HEADER + "Cisco,C9500-24Y4C,,,,,2032-01-31,,,\n"
    notices.write(notices.parse_csv(text), actor="test", create_models=True)
    assert HardwareNotice.objects.get().hardware_models.get().model == "C9500-24Y4C"


def _eox(value):
    return {"value": value, "dateFormat": "YYYY-MM-DD"}


EOX = {
    "PaginationResponseRecord": {"PageIndex": 1, "LastIndex": 1, "TotalRecords": 3, "PageRecords": 3},
    "EOXRecord": [
        {
            "EOLProductID": "WS-C2960X-48FPD-L",
            "ProductIDDescription": "Catalyst 2960-X 48 GigE PoE 740W",
            "ProductBulletinNumber": "EOL14720",
            "LinkToProductBulletinURL": "https://www.cisco.com/eol14720",
            "EOXExternalAnnouncementDate": _eox("2021-10-31"),
            "EndOfSaleDate": _eox("2022-10-30"),
            "EndOfSWMaintenanceReleases": _eox("2023-10-30"),
            "EndOfSecurityVulSupportDate": _eox("2025-10-30"),
            "EndOfRoutineFailureAnalysisDate": _eox("2023-10-30"),
            "EndOfServiceContractRenewal": _eox("2027-01-26"),
            "LastDateOfSupport": _eox("2027-10-31"),
            "EndOfSvcAttachDate": _eox("2023-10-30"),
            "UpdatedTimeStamp": _eox("2021-11-01"),
            "EOXMigrationDetails": {
                "PIDActiveFlag": "Y",
                "MigrationInformation": "Catalyst 9200L",
                "MigrationOption": "Enter PID(s)",
                "MigrationProductId": "C9200L-48P-4G-E",
                "MigrationProductName": "",
                "MigrationStrategy": "",
                "MigrationProductInfoURL": "",
            },
            "EOXInputType": "ShowEOXByPids",
            "EOXInputValue": "WS-C2960X-48FPD-L",
        },
        {
            "EOLProductID": "WS-C2960X-24PS-L",
            "ProductBulletinNumber": "EOL14720",
            "LinkToProductBulletinURL": "https://www.cisco.com/eol14720",
            "EOXExternalAnnouncementDate": _eox("2021-10-31"),
            "EndOfSaleDate": _eox("2022-10-30"),
            "EndOfSWMaintenanceReleases": _eox("2023-10-30"),
            "EndOfSecurityVulSupportDate": _eox("2025-10-30"),
            "LastDateOfSupport": _eox("2027-10-31"),
            "EOXMigrationDetails": {"MigrationProductId": ""},
        },
        {
            "EOLProductID": "",
            "EOXInputValue": "FOO-BAR",
            "EOXError": {
                "ErrorID": "SSA_ERR_026",
                "ErrorDescription": "EOX information does not exist for the following product ID(s): FOO-BAR",
            },
        },
    ],
}


def test_cisco_eox_recorded_response(cisco, tmp_path):
    path = tmp_path / "eox.json"
    path.write_text(json.dumps(EOX))
    out, err = StringIO(), StringIO()
    call_command("import_lifecycle", "cisco-eox", str(path), stdout=out, stderr=err)
    assert "1 created" in out.getvalue()
    assert "FOO-BAR" in err.getvalue() and "warning" in err.getvalue()
    n = HardwareNotice.objects.get()
    assert n.bulletin == "EOL14720" and n.hardware_models.count() == 2
    assert n.end_of_security_support == dt.date(2025, 10, 30)
    assert n.replacement_model.model == "C9200L-48P-4G-E"
    call_command("import_lifecycle", "cisco-eox", str(path), stdout=(out := StringIO()), stderr=StringIO())
    assert "0 created, 0 updated, 1 unchanged" in out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"records": []}, "expected an object with EOXRecord"),
        (
            {"EOXRecord": [{"EOLProductID": "WS-C2960X-48FPD-L", "LastDateOfSupport": "2027-10-31"}]},
            "LastDateOfSupport: expected",
        ),
        (
            {"EOXRecord": [{"EOLProductID": "WS-C2960X-48FPD-L", "LastDateOfSupport": _eox("10/31/2027")}]},
            "'10/31/2027' is not a date",
        ),
        ({"EOXRecord": [{"ProductBulletinNumber": "X"}]}, "EOLProductID is missing"),
    ],
)
def test_bad_cisco_eox_files(cisco, tmp_path, data, message):
    path = tmp_path / "eox.json"
    path.write_text(json.dumps(data))
    err = StringIO()
    with pytest.raises(CommandError) as e:
        call_command("import_lifecycle", "cisco-eox", str(path), stderr=err)
    assert e.value.returncode == 1 and message in err.getvalue()
    assert not HardwareNotice.objects.exists()


def test_unknown_cisco_without_manufacturer(tmp_path):
    path = tmp_path / "eox.json"
    path.write_text(json.dumps(EOX))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_lifecycle", "cisco-eox", str(path), stderr=err)
    assert "vendor 'Cisco' is not a known manufacturer" in err.getvalue()
