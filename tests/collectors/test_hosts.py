"""collectors.hosts: credentials (secrets file + environment) and the Nornir inventories built from a
SimpleInventory folder or from the database."""

import pytest

from collectors.hosts import Credentials, InventoryError, from_database, from_folder, load_credentials

SECRETS = """
default: {username: netops, password: default-pw, secret: default-en}
groups:
  nexus: {username: nxadmin, password: nexus-pw}
  campus: {password: campus-pw}
hosts:
  core-1: {password: core-pw, secret: core-en}
"""


def _write(path, text, mode=0o600):
    path.write_text(text)
    path.chmod(mode)
    return path


# --- load_credentials ---------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "groups", "expected"), [
    ("sw-9", [], {"username": "netops", "password": "default-pw", "secret": "default-en"}),
    ("n-1", ["nexus"], {"username": "nxadmin", "password": "nexus-pw", "secret": "default-en"}),
    ("a-1", ["unknown-group"], {"username": "netops", "password": "default-pw", "secret": "default-en"}),
    # later groups win over earlier ones
    ("x-1", ["nexus", "campus"], {"username": "nxadmin", "password": "campus-pw", "secret": "default-en"}),
    ("x-2", ["campus", "nexus"], {"username": "nxadmin", "password": "nexus-pw", "secret": "default-en"}),
    # the host's own entry wins over its groups
    ("core-1", ["nexus"], {"username": "nxadmin", "password": "core-pw", "secret": "core-en"}),
    ("core-1", [], {"username": "netops", "password": "core-pw", "secret": "core-en"}),
])
def test_credentials_precedence(tmp_path, name, groups, expected):
    creds = load_credentials(_write(tmp_path / "secrets.yaml", SECRETS), env={})
    assert creds.for_host(name, groups) == expected


def test_for_host_does_not_change_the_credentials(tmp_path):
    creds = load_credentials(_write(tmp_path / "secrets.yaml", SECRETS), env={})
    creds.for_host("core-1", ["nexus"])["password"] = "changed"
    assert creds.default["password"] == "default-pw"
    assert creds.for_host("core-1")["password"] == "core-pw"


def test_environment_overrides_the_default_only(tmp_path):
    env = {"DEVICE_USERNAME": "svc", "DEVICE_PASSWORD": "env-pw", "DEVICE_ENABLE_SECRET": "env-en"}
    creds = load_credentials(_write(tmp_path / "secrets.yaml", SECRETS), env=env)
    assert creds.for_host("sw-9") == {"username": "svc", "password": "env-pw", "secret": "env-en"}
    assert creds.for_host("n-1", ["nexus"]) == {
        "username": "nxadmin", "password": "nexus-pw", "secret": "env-en"
    }
    assert creds.for_host("core-1") == {"username": "svc", "password": "core-pw", "secret": "core-en"}


def test_environment_without_a_file(settings):
    settings.DEVICE_SECRETS_FILE = ""
    creds = load_credentials(env={"DEVICE_USERNAME": "svc", "DEVICE_PASSWORD": "env-pw"})
    assert creds.for_host("any") == {"username": "svc", "password": "env-pw"}
    assert creds.secrets() == {"env-pw"}


def test_empty_environment_values_are_ignored(tmp_path):
    env = {"DEVICE_USERNAME": "", "DEVICE_PASSWORD": ""}
    creds = load_credentials(_write(tmp_path / "secrets.yaml", SECRETS), env=env)
    assert creds.for_host("sw-9")["password"] == "default-pw"
    assert creds.for_host("sw-9")["username"] == "netops"


def test_secrets_file_from_settings(tmp_path, settings):
    settings.DEVICE_SECRETS_FILE = str(_write(tmp_path / "from-settings.yaml", SECRETS))
    assert load_credentials(env={}).for_host("sw-9")["password"] == "default-pw"


def test_no_file_and_no_environment_is_empty(settings):
    settings.DEVICE_SECRETS_FILE = ""
    creds = load_credentials(env={})
    assert creds.for_host("sw-9") == {}
    assert creds.secrets() == set()


@pytest.mark.parametrize("content", ["", "# nothing yet\n", "default:\ngroups:\nhosts:\n"])
def test_empty_secrets_file_is_no_credentials(tmp_path, content):
    creds = load_credentials(_write(tmp_path / "secrets.yaml", content), env={})
    assert creds.for_host("sw-9") == {}


def test_missing_secrets_file_names_the_path(tmp_path):
    path = tmp_path / "nowhere" / "secrets.yaml"
    with pytest.raises(InventoryError) as err:
        load_credentials(path, env={})
    assert str(path) in str(err.value)


@pytest.mark.parametrize("content", [
    "default: {username: netops, password: 'Hunter2-Geheim\n",
    "default:\n  username: netops\n  password: Hunter2-Geheim\n  - oops\n",
    "default: {username: netops, password: Hunter2-Geheim}}\n",
    "hosts:\n  core-1:\n    password: Hunter2-Geheim\n\tsecret: x\n",
    "default: {username: netops, password: Hunter2-Geheim, [}\n",
])
def test_invalid_yaml_never_shows_the_password(tmp_path, content):
    path = _write(tmp_path / "secrets.yaml", content)
    with pytest.raises(InventoryError) as err:
        load_credentials(path, env={})
    message = str(err.value)
    assert "Hunter2-Geheim" not in message
    assert "Hunter2" not in repr(err.value)
    assert str(path) in message
    assert "YAML" in message
    assert err.value.__cause__ is None and err.value.__suppress_context__  # no YAML error with the text


@pytest.mark.parametrize("content", [
    "- just\n- a list\n",
    "just a string\n",
    "defaults: {username: netops, password: Hunter2-Geheim}\n",  # "defaults" is not "default"
    "default: {username: netops}\nhost: {core-1: {password: Hunter2-Geheim}}\n",
    "default: [netops, Hunter2-Geheim]\n",
    "groups: Hunter2-Geheim\n",
    "hosts: [core-1]\n",
])
def test_wrong_structure_is_an_inventory_error(tmp_path, content):
    path = _write(tmp_path / "secrets.yaml", content)
    with pytest.raises(InventoryError) as err:
        load_credentials(path, env={})
    assert str(path) in str(err.value)
    assert "Hunter2-Geheim" not in str(err.value)


@pytest.mark.parametrize("content", [
    "hosts: {core-1: Hunter2-Geheim}\n",  # a bare password instead of {password: ...}
    "groups: {nexus: [admin, Hunter2-Geheim]}\n",
])
def test_entry_that_is_not_a_mapping_is_an_inventory_error(tmp_path, content):
    path = _write(tmp_path / "secrets.yaml", content)
    with pytest.raises(InventoryError) as err:
        load_credentials(path, env={})
    assert "Hunter2-Geheim" not in str(err.value)


def test_repr_never_shows_a_password():
    creds = Credentials(
        default={"username": "netops", "password": "default-pw", "secret": "default-en"},
        groups={"nexus": {"password": "nexus-pw"}},
        hosts={"core-1": {"password": "core-pw"}},
    )
    for shown in (repr(creds), str(creds), f"{creds}", f"{creds!r}", repr([creds]), repr({"c": creds})):
        for secret in ("default-pw", "default-en", "nexus-pw", "core-pw", "netops"):
            assert secret not in shown
    assert repr(creds) == "Credentials(hosts=1, groups=1)"


def test_secrets_lists_passwords_and_enable_secrets():
    creds = Credentials(
        default={"username": "netops", "password": "default-pw", "secret": "default-en"},
        groups={"nexus": {"username": "nxadmin", "password": "nexus-pw"}, "empty": None, "blank": {}},
        hosts={"core-1": {"password": "core-pw", "secret": "core-en"}, "pin": {"password": 123456}},
    )
    assert creds.secrets() == {"default-pw", "default-en", "nexus-pw", "core-pw", "core-en", "123456"}
    assert Credentials().secrets() == set()


def test_world_readable_secrets_file_is_warned_about(tmp_path, caplog):
    path = _write(tmp_path / "secrets.yaml", SECRETS, mode=0o644)
    with caplog.at_level("WARNING", logger="collectors.hosts"):
        load_credentials(path, env={})
    assert any("chmod 600" in r.getMessage() for r in caplog.records)
    assert "default-pw" not in caplog.text


# --- from_folder ----------------------------------------------------------------------------------

HOSTS_YAML = """
core-1:
  platform: ios
  groups: [campus]
leaf-1:
  hostname: 10.0.0.2
  platform: eos
  port: 2222
  username: local-admin
  password: own-pw
  connection_options:
    napalm:
      extras:
        optional_args: {global_delay_factor: 2}
"""
GROUPS_YAML = """
campus:
  data: {role: access}
"""
DEFAULTS_YAML = """
data: {site: stadthaus}
"""


def _folder(tmp_path, **files):
    files = {"hosts.yaml": HOSTS_YAML, "groups.yaml": GROUPS_YAML, "defaults.yaml": DEFAULTS_YAML, **files}
    for name, text in files.items():
        if text is not None:
            (tmp_path / name).write_text(text)
    return tmp_path


FOLDER_CREDS = Credentials(
    default={"username": "netops", "password": "default-pw", "secret": "default-en"},
    groups={"campus": {"password": "campus-pw"}},
    hosts={"leaf-1": {"password": "creds-pw"}},
)


def test_from_folder_applies_credentials_and_driver_options(tmp_path, settings):
    settings.DISCOVERY_TIMEOUT = 4
    inv = from_folder(_folder(tmp_path), FOLDER_CREDS)
    assert set(inv.hosts) == {"core-1", "leaf-1"}
    core, leaf = inv.hosts["core-1"], inv.hosts["leaf-1"]

    assert core.hostname == "core-1"  # no hostname: the name is the address
    assert (core.username, core.password) == ("netops", "campus-pw")
    assert core.platform == "ios"
    assert core["role"] == "access" and core["site"] == "stadthaus"
    core_args = core.connection_options["napalm"].extras["optional_args"]
    assert core_args["secret"] == "default-en"
    assert core_args["conn_timeout"] == core_args["auth_timeout"] == core_args["banner_timeout"] == 4
    assert "transport" not in core_args
    assert "port" not in core_args

    assert leaf.hostname == "10.0.0.2"
    assert (leaf.username, leaf.password) == ("local-admin", "own-pw")  # its own, kept
    assert leaf.port == 2222
    leaf_extras = leaf.connection_options["napalm"].extras
    assert leaf_extras["optional_args"]["transport"] == "ssh"
    assert leaf_extras["optional_args"]["port"] == 2222
    assert leaf_extras["optional_args"]["global_delay_factor"] == 2  # given options kept
    assert leaf_extras["optional_args"]["conn_timeout"] == 4
    assert leaf_extras["timeout"] >= 4


def test_from_folder_without_groups_and_defaults(tmp_path):
    folder = _folder(tmp_path, **{"hosts.yaml": "sw-1: {hostname: 10.0.0.1, platform: nxos_ssh}\n",
                                  "groups.yaml": None, "defaults.yaml": None})
    inv = from_folder(folder, Credentials(default={"username": "u", "password": "p"}))
    assert (inv.hosts["sw-1"].username, inv.hosts["sw-1"].password) == ("u", "p")


def test_from_folder_missing_hosts_yaml(tmp_path):
    folder = _folder(tmp_path, **{"hosts.yaml": None})
    with pytest.raises(InventoryError) as err:
        from_folder(folder, FOLDER_CREDS)
    assert "hosts.yaml" in str(err.value)
    assert str(folder) in str(err.value)


def test_from_folder_that_does_not_exist(tmp_path):
    with pytest.raises(InventoryError, match="hosts.yaml"):
        from_folder(tmp_path / "nowhere", FOLDER_CREDS)


@pytest.mark.parametrize(("files", "where"), [
    ({"hosts.yaml": "sw-1: {hostname: [unclosed\n"}, "hosts.yaml"),
    ({"hosts.yaml": "sw-1:\n  hostname: 10.0.0.1\n  password: Hunter2-Geheim\n  - oops\n"}, "hosts.yaml"),
    ({"hosts.yaml": "sw-1: {hostname: 10.0.0.1, password: 'Hunter2-Geheim}\n"}, "hosts.yaml"),
    ({"groups.yaml": "campus: {data: {role: access}\n"}, "groups.yaml"),
    ({"defaults.yaml": "data: [unclosed\n"}, "defaults.yaml"),
])
def test_from_folder_broken_yaml(tmp_path, files, where):
    with pytest.raises(InventoryError) as err:
        from_folder(_folder(tmp_path, **files), FOLDER_CREDS)
    message = str(err.value)
    assert "invalid YAML" in message
    assert where in message
    assert "Hunter2-Geheim" not in message


@pytest.mark.parametrize("hosts_yaml", [
    "sw-1: {hostname: 10.0.0.1, groups: [nowhere]}\n",
    "- sw-1\n- sw-2\n",
])
def test_from_folder_invalid_inventory(tmp_path, hosts_yaml):
    with pytest.raises(InventoryError):
        from_folder(_folder(tmp_path, **{"hosts.yaml": hosts_yaml}), FOLDER_CREDS)


# --- from_database --------------------------------------------------------------------------------

def test_from_database(db, settings):
    from inventory.choices import AssetStatus
    from tests.factories import AssetFactory, PlatformFactory

    settings.DISCOVERY_SSH_PORT = 2022
    ios = PlatformFactory(name="Test IOS", slug="test-ios", napalm_driver="ios")
    eos = PlatformFactory(name="Test EOS", slug="test-eos", napalm_driver="eos")
    no_driver = PlatformFactory(name="Test Printer", slug="test-printer", napalm_driver="")
    unknown_driver = PlatformFactory(name="Test RouterOS", slug="test-routeros", napalm_driver="routeros")
    AssetFactory(name="sw-1", management_address="10.0.0.1", platform=ios)
    AssetFactory(name="spine-1", management_address="10.0.0.5", platform=eos, status=AssetStatus.MAINTENANCE)
    AssetFactory(
        name="sw-old", management_address="10.0.0.2", platform=ios, status=AssetStatus.DECOMMISSIONED
    )
    AssetFactory(name="sw-noaddr", management_address=None, platform=ios)
    AssetFactory(name="sw-blankaddr", management_address="", platform=ios)
    AssetFactory(name="printer", management_address="10.0.0.4", platform=no_driver)
    AssetFactory(name="mikrotik", management_address="10.0.0.6", platform=unknown_driver)
    AssetFactory(name="noplatform", management_address="10.0.0.7", platform=None)

    creds = Credentials(default={"username": "u", "password": "p", "secret": "en"},
                        hosts={"spine-1": {"password": "spine-pw"}})
    inv = from_database(creds)

    assert set(inv.hosts) == {"sw-1", "spine-1"}
    sw, spine = inv.hosts["sw-1"], inv.hosts["spine-1"]
    assert (sw.hostname, sw.platform, sw.port) == ("10.0.0.1", "ios", 2022)
    assert (sw.username, sw.password) == ("u", "p")
    assert sw.connection_options["napalm"].extras["optional_args"]["secret"] == "en"
    assert sw.connection_options["napalm"].extras["optional_args"]["port"] == 2022
    assert (spine.hostname, spine.platform, spine.password) == ("10.0.0.5", "eos", "spine-pw")
    assert spine.connection_options["napalm"].extras["optional_args"]["transport"] == "ssh"


def test_from_database_same_name_twice_and_a_queryset(db):
    from inventory.models import Asset
    from tests.factories import AssetFactory, PlatformFactory

    ios = PlatformFactory(name="Test IOS", slug="test-ios", napalm_driver="ios")
    first = AssetFactory(name="sw-1", management_address="10.0.0.1", platform=ios)
    second = AssetFactory(name="sw-1", management_address="10.0.0.2", platform=ios)
    AssetFactory(name="sw-2", management_address="10.0.0.3", platform=ios)

    inv = from_database(Credentials())
    assert set(inv.hosts) == {"sw-1", f"sw-1#{second.pk}", "sw-2"}
    assert inv.hosts["sw-1"].hostname == "10.0.0.1"
    assert inv.hosts[f"sw-1#{second.pk}"].hostname == "10.0.0.2"

    only = from_database(Credentials(), Asset.objects.filter(pk=first.pk))
    assert set(only.hosts) == {"sw-1"}


# --- SNMP (issue #17) ---------------------------------------------------------------------------

SNMP_SECRETS = """
default: {username: netops, password: default-pw}
groups:
  snmp: {snmp: {version: "3", user: inventory, auth_key: v3-auth-key-1, priv_key: v3-priv-key-1,
                auth_protocol: SHA256, priv_protocol: AES}}
  printers: {snmp: {version: "2c", community: printers-community}}
hosts:
  ups-3: {snmp: {community: ups-3-community}}
"""


def test_snmp_settings_come_from_the_secrets_file(tmp_path):
    creds = load_credentials(_write(tmp_path / "s.yaml", SNMP_SECRETS), env={})
    assert {"v3-auth-key-1", "v3-priv-key-1", "printers-community", "ups-3-community"} <= creds.secrets()
    folder = _folder(tmp_path, **{
        "hosts.yaml": (
            "fw-1: {hostname: 10.0.1.1, platform: snmp}\n"
            "lj-2: {hostname: 10.0.1.2, platform: snmp, groups: [printers], port: 1161}\n"
            "ups-3: {hostname: 10.0.1.3, platform: snmp,\n"
            "        connection_options: {snmp: {extras: {version: '2c', community: from-inventory}}}}\n"
        ),
        "groups.yaml": "printers: {}\n",
    })
    inv = from_folder(folder, creds)
    fw, lj, ups = (inv.hosts[n] for n in ("fw-1", "lj-2", "ups-3"))
    assert fw.connection_options["snmp"].extras == {
        "version": "3", "user": "inventory", "auth_key": "v3-auth-key-1", "priv_key": "v3-priv-key-1",
        "auth_protocol": "SHA256", "priv_protocol": "AES"}
    # a more specific block's mapping replaces the general one whole: no v3 user on a v2c printer
    assert lj.connection_options["snmp"].extras == {"version": "2c", "community": "printers-community"}
    assert lj.port == 1161
    # the inventory may set the version, never a secret: the community comes from the secrets file
    assert ups.connection_options["snmp"].extras == {"community": "ups-3-community", "version": "2c"}
    assert "napalm" not in fw.connection_options  # no SSH options for an SNMP host


@pytest.mark.parametrize(("snmp", "message"), [
    ("{version: '1', community: c0mm}", "hosts.h.snmp: version must be 2c or 3"),
    ("{version: '3', user: u, auth_key: secret-a}", "hosts.h.snmp: SNMP version 3 needs priv_key"),
    ("{community: ''}", "hosts.h.snmp: SNMP version 2c needs community"),
    ("{community: c0mm, comunity: c0mm2}", "hosts.h.snmp has unknown keys ['comunity']"),
    ("c0mm-as-text", "hosts.h.snmp must be a mapping"),
])
def test_snmp_mapping_errors_name_the_place_never_the_value(tmp_path, snmp, message):
    path = _write(tmp_path / "s.yaml", f"hosts:\n  h: {{snmp: {snmp}}}\n")
    with pytest.raises(InventoryError) as err:
        load_credentials(path, env={})
    assert message in str(err.value)
    assert "c0mm" not in str(err.value) and "secret-a" not in str(err.value)


def test_from_database_reads_snmp_platforms_over_snmp(db, settings):
    from tests.factories import AssetFactory, PlatformFactory

    settings.DISCOVERY_SNMP_PORT = 1161
    fortios = PlatformFactory(name="FortiOS", slug="fortios", napalm_driver="snmp")
    AssetFactory(name="fw-1", management_address="10.0.2.1", platform=fortios)
    creds = Credentials(groups={"snmp": {"snmp": {"version": "2c", "community": "city-ro"}}})
    host = from_database(creds).hosts["fw-1"]
    assert (host.hostname, host.platform, host.port) == ("10.0.2.1", "snmp", 1161)
    assert host.connection_options["snmp"].extras == {"version": "2c", "community": "city-ro"}
