"""Where discovery's hosts and credentials come from (collectors.hosts)."""

import pytest

from collectors import hosts as host_sources
from collectors.hosts import Credentials, InventoryError, load_credentials


def write(path, text):
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_credentials_precedence_and_environment(tmp_path):
    secrets = write(tmp_path / "s.yaml", """
default: {username: netops, password: default-pw}
groups: {nexus: {username: admin, password: nexus-pw}}
hosts: {core-1: {password: core-pw, secret: en-pw}}
""")
    creds = load_credentials(secrets, env={})
    assert creds.for_host("sw-9") == {"username": "netops", "password": "default-pw"}
    assert creds.for_host("n-1", ["nexus"]) == {"username": "admin", "password": "nexus-pw"}
    assert creds.for_host("core-1", ["nexus"]) == {
        "username": "admin", "password": "core-pw", "secret": "en-pw"
    }
    assert creds.secrets() == {"default-pw", "nexus-pw", "core-pw", "en-pw"}
    assert "pw" not in repr(creds)

    env = {"DEVICE_USERNAME": "svc", "DEVICE_PASSWORD": "env-pw"}
    from_env = load_credentials(secrets, env=env)
    assert from_env.for_host("sw-9") == {"username": "svc", "password": "env-pw"}
    assert from_env.for_host("core-1")["password"] == "core-pw"  # a host's own entry still wins


@pytest.mark.parametrize(("content", "message"), [
    ("default: {username: a, password: 'hunter2-secret\n", "not valid YAML"),
    ("- just\n- a list\n", "expected the keys"),
    ("default: [a, b]\n", "'default' must be a mapping"),
    ("passwords: {x: hunter2-secret}\n", "expected the keys"),
])
def test_bad_secrets_file_says_why_and_never_what(tmp_path, content, message):
    secrets = write(tmp_path / "s.yaml", content)
    with pytest.raises(InventoryError, match=message) as err:
        load_credentials(secrets, env={})
    assert "hunter2" not in str(err.value)
    assert str(secrets) in str(err.value)


def test_missing_secrets_file(tmp_path):
    with pytest.raises(InventoryError, match="does not exist"):
        load_credentials(tmp_path / "nope.yaml", env={})


def test_folder_inventory_gets_credentials_and_driver_options(tmp_path, settings):
    settings.DISCOVERY_TIMEOUT = 7
    (tmp_path / "hosts.yaml").write_text("""
sw-1: {hostname: 10.0.0.1, platform: ios, groups: [access]}
spine-1: {hostname: 10.0.0.2, platform: eos, port: 2222}
own: {hostname: 10.0.0.3, platform: nxos_ssh, username: local, password: own-pw}
""")
    (tmp_path / "groups.yaml").write_text("access: {data: {role: access}}\n")
    creds = Credentials(default={"username": "netops", "password": "pw", "secret": "en"},
                        groups={"access": {"password": "access-pw"}})
    inv = host_sources.from_folder(tmp_path, creds)

    sw, spine, own = inv.hosts["sw-1"], inv.hosts["spine-1"], inv.hosts["own"]
    assert (sw.username, sw.password) == ("netops", "access-pw")
    assert sw.connection_options["napalm"].extras["optional_args"]["secret"] == "en"
    assert sw.connection_options["napalm"].extras["optional_args"]["conn_timeout"] == 7
    assert spine.connection_options["napalm"].extras["optional_args"]["transport"] == "ssh"
    assert spine.port == 2222
    assert (own.username, own.password) == ("local", "own-pw")


@pytest.mark.parametrize(("files", "message"), [
    ({}, "hosts.yaml is missing"),
    ({"hosts.yaml": "sw-1: {hostname: [unclosed\n"}, "invalid YAML"),
    ({"hosts.yaml": "sw-1: {hostname: 10.0.0.1, groups: [nowhere]}\n"}, "names the group 'nowhere'"),
])
def test_bad_inventory_folder(tmp_path, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(InventoryError, match=message):
        host_sources.from_folder(tmp_path, Credentials())


@pytest.mark.django_db
def test_hosts_from_the_database(settings):
    from inventory.choices import AssetStatus
    from tests.factories import AssetFactory, PlatformFactory

    settings.DISCOVERY_SSH_PORT = 2022
    ios = PlatformFactory(name="Cisco IOS", slug="cisco-ios", napalm_driver="ios")
    other = PlatformFactory(name="Printer OS", slug="printer", napalm_driver="")
    AssetFactory(name="sw-1", management_address="10.0.0.1", platform=ios)
    AssetFactory(name="sw-old", management_address="10.0.0.2", platform=ios,
                 status=AssetStatus.DECOMMISSIONED)
    AssetFactory(name="sw-noaddr", management_address=None, platform=ios)
    AssetFactory(name="printer", management_address="10.0.0.4", platform=other)

    inv = host_sources.from_database(Credentials(default={"username": "u", "password": "p"}))
    assert set(inv.hosts) == {"sw-1"}
    host = inv.hosts["sw-1"]
    assert (host.hostname, host.platform, host.port, host.password) == ("10.0.0.1", "ios", 2022, "p")
