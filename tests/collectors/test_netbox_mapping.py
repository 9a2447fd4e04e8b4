"""The NetBox sync's pure parts: the client's URL and token handling, value mapping, filters."""

import pytest

from collectors.netbox import mapping
from collectors.netbox.client import NetBoxClient, auth_header, check_url
from collectors.netbox.connection import FILTER_KEYS, describe, parse_filters


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://netbox.stadt.example/", "https://netbox.stadt.example"),
        ("https://netbox.stadt.example/api/", "https://netbox.stadt.example"),
        ("http://127.0.0.1:8080/netbox", "http://127.0.0.1:8080/netbox"),
    ],
)
def test_check_url_gives_the_base(given, expected):
    assert check_url(given) == expected


@pytest.mark.parametrize(
    "bad", ["", "netbox.stadt.example", "ftp://netbox", "https://user:pw@netbox", "https://netbox/?x=1"]
)
def test_check_url_refuses_what_is_not_a_base_url(bad):
    with pytest.raises(ValueError, match="NetBox URL"):
        check_url(bad)


def test_tokens_go_as_netbox_expects_them_and_never_show():
    assert auth_header("nbt_abc.def") == "Bearer nbt_abc.def"
    assert auth_header("0123456789abcdef") == "Token 0123456789abcdef"
    client = NetBoxClient("https://netbox.example", "nbt_secretkey.secretvalue")
    assert "secret" not in repr(client)
    with pytest.raises(ValueError, match="token"):
        NetBoxClient("https://netbox.example", "")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", "active"),
        ("planned", "planned"),
        ("staged", "planned"),
        ("inventory", "spare"),
        ("offline", "maintenance"),
        ("failed", "maintenance"),
        ("decommissioning", "decommissioned"),
        (None, "active"),
    ],
)
def test_status_mapping(status, expected):
    assert mapping.status({"status": {"value": status, "label": "x"} if status else None}) == expected


def test_address_is_the_primary_ip_without_its_length_ipv4_first():
    device = {"primary_ip4": {"address": "10.1.2.3/24"}, "primary_ip6": {"address": "2001:db8::1/64"}}
    assert mapping.address(device) == "10.1.2.3"
    assert (
        mapping.address({"primary_ip4": None, "primary_ip6": {"address": "2001:db8::1/64"}}) == "2001:db8::1"
    )
    assert mapping.address({"primary_ip4": {"address": "not an ip"}}) is None
    assert mapping.address({}) is None


@pytest.mark.parametrize(
    ("slug", "napalm", "expected"),
    [
        ("cisco-ios", "", "ios"),
        ("cisco_ios", "", "ios"),
        ("cisco_nxos", "", "nxos_ssh"),
        ("junos", "", "junos"),
        ("arista_eos", "", "eos"),
        ("snmp", "", "snmp"),
        ("redfish", "", "redfish"),
        ("something", "eos", "eos"),
        ("paloalto_panos", "", ""),
        ("", "", ""),
    ],
)
def test_driver_for_a_platform(slug, napalm, expected):
    assert mapping.driver(slug, napalm) == expected


@pytest.mark.parametrize(
    ("role", "model", "expected"),
    [
        ({"slug": "core-switch", "name": "Core"}, "X", "switch"),
        ({"slug": "fw", "name": "Firewall"}, "X", "firewall"),
        ({"slug": "usv", "name": "USV"}, "X", "ups"),
        (None, "C9300-48P", "switch"),
    ],
)
def test_category_from_role_words_else_the_model(role, model, expected):
    assert mapping.category(role, model) == expected


def test_module_rows_name_modules_by_bay_and_items_by_name_twins_numbered():
    rows = mapping.module_rows(
        [
            {
                "id": 1,
                "module_bay": {"name": "FPC 0"},
                "module_type": {"model": "EX-UM", "part_number": "EX-UM-4X"},
                "serial": " M1 ",
            }
        ],
        [
            {"id": 2, "name": "PSU", "part_id": "PWR-1", "serial": "P1", "description": ""},
            {
                "id": 3,
                "name": "PSU",
                "part_id": "PWR-1",
                "serial": "P2",
                "description": "",
                "manufacturer": {"name": "Cisco"},
            },
        ],
    )
    assert [(r["name"], r["part_number"], r["serial"]) for r in rows] == [
        ("FPC 0", "EX-UM-4X", "M1"),
        ("PSU", "PWR-1", "P1"),
        ("PSU (2)", "PWR-1", "P2"),
    ]
    assert rows[2]["description"] == "Cisco"


def test_filters_are_key_value_with_known_keys():
    assert parse_filters(["site=zentrale", "role=core", "role=access"]) == {
        "site": ["zentrale"],
        "role": ["core", "access"],
    }
    assert describe({"site": ["a"], "role": ["b", "c"]}) == "site=a role=b role=c"
    with pytest.raises(ValueError, match="'site'"):
        parse_filters(["site"])
    with pytest.raises(ValueError, match="unknown key 'colour'"):
        parse_filters(["colour=red"])
    assert "site" in FILTER_KEYS and "role" in FILTER_KEYS
