"""NetBox's URL and token are kept like device passwords: the secrets file's ``netbox`` block or
NETBOX_URL / NETBOX_TOKEN; checked strictly, never quoted, scrubbed like passwords."""

import os

import pytest

from collectors.hosts import InventoryError, load_credentials
from collectors.netbox import connection

TOKEN = "nbt_k3y.s3cr3t-value-that-must-not-show"


def _write(path, text):
    path.write_text(text)
    os.chmod(path, 0o600)
    return path


def test_the_netbox_block_is_read_and_its_token_is_a_secret(tmp_path):
    f = _write(tmp_path / "s.yaml", f"netbox:\n  url: https://netbox.example\n  token: {TOKEN}\n")
    creds = load_credentials(f, env={})
    assert creds.netbox == {"url": "https://netbox.example", "token": TOKEN}
    assert TOKEN in creds.secrets()  # every message is scrubbed of it
    assert TOKEN not in repr(creds)
    client = connection.client(creds)
    assert client.url == "https://netbox.example" and TOKEN not in repr(client)


def test_the_environment_overrides_the_file(tmp_path):
    f = _write(tmp_path / "s.yaml", f"netbox:\n  url: https://old.example\n  token: {TOKEN}\n")
    creds = load_credentials(f, env={"NETBOX_URL": "https://new.example", "NETBOX_TOKEN": "abc"})
    assert creds.netbox == {"url": "https://new.example", "token": "abc"}
    assert load_credentials(None, env={"NETBOX_URL": "https://x.example"}).netbox == {"url": "https://x.example"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("netbox: https://netbox.example\n", "'netbox' must be a mapping"),
        (f"netbox:\n  url: https://n.example\n  tokn: {TOKEN}\n", "unknown keys ['tokn']"),
        ("netbox:\n  url: https://n.example\n  token: 12345\n", "netbox.token must be a string"),
    ],
)
def test_a_bad_netbox_block_is_named_and_its_values_never_quoted(tmp_path, text, message):
    with pytest.raises(InventoryError) as e:
        load_credentials(_write(tmp_path / "s.yaml", text), env={})
    assert message in str(e.value)
    assert TOKEN not in str(e.value) and "12345" not in str(e.value)


def test_not_configured_says_what_is_missing(tmp_path):
    with pytest.raises(connection.NotConfigured, match="no url and token"):
        connection.client(load_credentials(None, env={}))
    with pytest.raises(connection.NotConfigured, match="no token"):
        connection.client(load_credentials(None, env={"NETBOX_URL": "https://n.example"}))
    with pytest.raises(connection.NotConfigured, match="NetBox URL must be"):
        connection.client(load_credentials(None, env={"NETBOX_URL": "n.example", "NETBOX_TOKEN": "t"}))
    assert connection.configured_url(load_credentials(None, env={"NETBOX_URL": "https://n.example"})) == (
        "https://n.example")
