"""SSH host keys (issue #14): trust on first use, strict afterwards. A real SSH server of the
test's own (paramiko, recording every authentication attempt) stands for a device whose key
changed; the lab's FakeNOS devices for the first use."""

import socket
import threading

import paramiko
import pytest

from collectors import hostkeys
from collectors.hosts import Credentials, from_hosts, make_host
from collectors.models import DiscoveryHost, HostKey
from collectors.runner import discover
from collectors.tasks import Reason
from inventory.models import ObjectChange

pytestmark = pytest.mark.django_db
PASSWORD = "device-secret-pw"


class RecordingServer(paramiko.ServerInterface):
    def __init__(self, attempts):
        self.attempts = attempts

    def get_allowed_auths(self, username):
        return "password"

    def check_auth_password(self, username, password):
        self.attempts.append((username, password))
        return paramiko.AUTH_FAILED


@pytest.fixture
def impostor():
    """An SSH server on 127.0.0.1 with a key of its own; ``attempts`` lists every login tried."""
    key = paramiko.RSAKey.generate(2048)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    attempts: list = []
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(key)
            try:
                transport.start_server(server=RecordingServer(attempts))
                transport.accept(timeout=2)
            except (paramiko.SSHException, EOFError, OSError):
                pass
            finally:
                transport.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], key, attempts
    stop.set()
    listener.close()
    thread.join(timeout=5)


def _host(port):
    creds = Credentials(default={"username": "admin", "password": PASSWORD})
    return make_host("sw-impostor", "127.0.0.1", "ios", creds, port=port), creds


def test_a_changed_host_key_gets_no_password_and_waits_for_acceptance(impostor):
    port, key, attempts = impostor
    stored = paramiko.RSAKey.generate(2048)  # what discovery saw the first time
    HostKey.objects.create(address="127.0.0.1", port=port, key_type=stored.get_name(),
                           key=stored.get_base64(), fingerprint=hostkeys.fingerprint(stored.get_base64()))
    host, creds = _host(port)
    report = discover(from_hosts([host]), source="test", credentials=creds)

    failed = DiscoveryHost.objects.get(run=report.run, name="sw-impostor")
    assert (failed.outcome, failed.reason) == ("failed", Reason.HOST_KEY_CHANGED)
    assert "no credentials were sent" in failed.message
    assert attempts == []  # the server received no password, nor any login
    record = HostKey.objects.get(address="127.0.0.1", port=port)
    assert record.fingerprint == hostkeys.fingerprint(stored.get_base64())  # still the old one
    assert record.offered_fingerprint == hostkeys.fingerprint(key.get_base64())

    hostkeys.accept(record)  # an engineer knows the device was replaced
    record.refresh_from_db()
    assert (record.key, record.offered_key) == (key.get_base64(), "")
    change = ObjectChange.objects.filter(content_type__model="hostkey", object_id=record.pk,
                                         action="update").get()
    assert change.postchange_data["fingerprint"] == hostkeys.fingerprint(key.get_base64())

    again = discover(from_hosts([_host(port)[0]]), source="test", credentials=creds)
    now = DiscoveryHost.objects.get(run=again.run, name="sw-impostor")
    assert now.reason == Reason.AUTH  # the accepted key passes; the login itself fails here
    assert attempts and attempts[0][1] == PASSWORD


def test_first_use_stores_the_key_and_later_runs_pin_it(impostor):
    port, key, attempts = impostor
    host, creds = _host(port)
    discover(from_hosts([host]), source="test", credentials=creds)
    record = HostKey.objects.get(address="127.0.0.1", port=port)
    assert (record.key_type, record.key) == (key.get_name(), key.get_base64())
    assert not ObjectChange.objects.filter(content_type__model="hostkey").exists()  # bookkeeping
    assert len(attempts) == 1


def test_lab_devices_are_trusted_on_first_use(lab_inventory, credentials):
    from collectors.hosts import from_folder

    inventory = from_folder(lab_inventory, credentials)
    report = discover(inventory, source="test", credentials=credentials)
    assert report.run.hosts_succeeded > 10
    ssh_hosts = [h for h in inventory.hosts.values() if h.platform in hostkeys.NETMIKO_DRIVERS]
    stored = {(k.address, k.port) for k in HostKey.objects.all()}
    succeeded = {r.address for r in report.hosts if r.outcome == "success"}
    assert {(str(h.hostname), h.port or 22) for h in ssh_hosts if str(h.hostname) in succeeded} <= stored
    again = discover(from_folder(lab_inventory, credentials), source="test", credentials=credentials)
    assert again.run.hosts_succeeded == report.run.hosts_succeeded  # pinned keys still match


def test_known_hosts_import(tmp_path):
    key = paramiko.RSAKey.generate(1024).get_base64()
    known = tmp_path / "known_hosts"
    known.write_text(
        f"10.1.1.1 ssh-rsa {key}\n"
        f"[10.1.1.2]:2222,10.1.1.3 ssh-rsa {key}\n"
        f"|1|abc=|def= ssh-rsa {key}\n"
        "# a comment\n\n"
        "10.1.1.4 ssh-rsa not-base64!\n"
    )
    assert hostkeys.import_known_hosts(known) == (3, 2)
    assert set(HostKey.objects.values_list("address", "port")) == {
        ("10.1.1.1", 22), ("10.1.1.2", 2222), ("10.1.1.3", 22)}
    assert hostkeys.import_known_hosts(known) == (0, 2)  # stored already


def test_the_command_lists_accepts_and_imports(tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    old, new = (paramiko.RSAKey.generate(1024).get_base64() for _ in range(2))
    known = tmp_path / "known_hosts"
    known.write_text(f"10.2.2.2 ssh-rsa {old}\n")
    out = StringIO()
    call_command("hostkeys", "import", str(known), stdout=out)
    assert "1 key(s) stored" in out.getvalue()
    hostkeys.offered("10.2.2.2", 22, "ssh-rsa", new)
    listing = StringIO()
    call_command("hostkeys", "list", stdout=listing)
    assert f"OFFERS {hostkeys.fingerprint(new)}" in listing.getvalue()
    call_command("hostkeys", "accept", "10.2.2.2", stdout=StringIO())
    assert HostKey.objects.get(address="10.2.2.2").key == new
    with pytest.raises(CommandError, match="offers no other key"):
        call_command("hostkeys", "accept", "10.2.2.2")
    with pytest.raises(CommandError, match="no host key stored"):
        call_command("hostkeys", "accept", "10.9.9.9")
