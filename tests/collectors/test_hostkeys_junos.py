"""SSH host keys of Junos hosts (issue #14): NAPALM's junos driver talks NETCONF through PyEZ and
ncclient, which accept any key unless told otherwise. A real SSH server of the test's own
(paramiko on 127.0.0.1, recording every authentication attempt of any kind) stands for the device;
discovery runs with the real clients."""

import socket
import threading

import paramiko
import pytest
from nornir.core.plugins.connections import ConnectionPluginRegister

from collectors import hostkeys
from collectors.hosts import Credentials, from_hosts, make_host
from collectors.models import DiscoveryHost, HostKey
from collectors.runner import _register_napalm, discover
from collectors.tasks import Reason
from inventory.models import ObjectChange

pytestmark = pytest.mark.django_db
PASSWORD = "junos-secret-pw"


class RecordingServer(paramiko.ServerInterface):
    """Refuses every login and notes each try: (user, password), or (user, the method)."""

    def __init__(self, attempts):
        self.attempts = attempts

    def get_allowed_auths(self, username):
        return "publickey,password"

    def check_auth_none(self, username):
        self.attempts.append((username, "none"))
        return paramiko.AUTH_FAILED

    def check_auth_publickey(self, username, key):
        self.attempts.append((username, "publickey"))
        return paramiko.AUTH_FAILED

    def check_auth_password(self, username, password):
        self.attempts.append((username, password))
        return paramiko.AUTH_FAILED


class Device:
    """What the server did: ``keys[n]`` is the key of its n-th connection (the last one for every
    later connection), ``attempts`` every login tried."""

    def __init__(self, port: int, keys: list[paramiko.PKey], attempts: list):
        self.port, self.keys, self.attempts = port, keys, attempts


@pytest.fixture
def device():
    """An SSH server on 127.0.0.1 with a key of its own; set ``keys`` to change keys in between."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    served = Device(listener.getsockname()[1], [paramiko.RSAKey.generate(2048)], [])
    transports: list[paramiko.Transport] = []
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
            transport.add_server_key(served.keys[min(len(transports), len(served.keys) - 1)])
            transports.append(transport)
            # with an event, start_server returns at once: the transport's thread serves the client
            transport.start_server(event=threading.Event(), server=RecordingServer(served.attempts))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield served
    stop.set()
    listener.close()
    thread.join(timeout=5)
    for transport in transports:
        transport.close()


def _store(port: int, key: paramiko.PKey) -> HostKey:
    return HostKey.objects.create(address="127.0.0.1", port=port, key_type=key.get_name(),
                                  key=key.get_base64(), fingerprint=hostkeys.fingerprint(key.get_base64()))


def _discover(port: int) -> DiscoveryHost:
    creds = Credentials(default={"username": "admin", "password": PASSWORD})
    host = make_host("mx-1", "127.0.0.1", "junos", creds, port=port)
    report = discover(from_hosts([host]), source="test", credentials=creds)
    return DiscoveryHost.objects.get(run=report.run, name="mx-1")


def test_an_unknown_junos_host_has_its_key_stored_and_is_logged_in_to(device):
    (key,) = device.keys
    outcome = _discover(device.port)

    record = HostKey.objects.get(address="127.0.0.1", port=device.port)
    assert (record.key_type, record.key) == (key.get_name(), key.get_base64())
    assert record.fingerprint == hostkeys.fingerprint(key.get_base64())
    assert not ObjectChange.objects.filter(content_type__model="hostkey").exists()  # bookkeeping
    # the key learned before the login passed PyEZ's own check: the password was tried
    assert (outcome.outcome, outcome.reason) == ("failed", Reason.AUTH)
    assert ("admin", PASSWORD) in device.attempts


def test_a_changed_junos_host_key_gets_no_password_and_waits_for_acceptance(device):
    (key,) = device.keys
    stored = paramiko.RSAKey.generate(2048)  # what discovery saw the first time
    _store(device.port, stored)

    outcome = _discover(device.port)

    assert (outcome.outcome, outcome.reason) == ("failed", Reason.HOST_KEY_CHANGED)
    assert "no credentials were sent" in outcome.message
    assert device.attempts == []  # no password, no login of any kind
    record = HostKey.objects.get(address="127.0.0.1", port=device.port)
    assert record.fingerprint == hostkeys.fingerprint(stored.get_base64())  # still the old one
    assert (record.offered_key_type, record.offered_key) == (key.get_name(), key.get_base64())
    assert record.offered_fingerprint == hostkeys.fingerprint(key.get_base64())
    assert record.offered_at is not None

    hostkeys.accept(record)  # an engineer knows the device was re-keyed
    again = _discover(device.port)
    assert again.reason == Reason.AUTH  # the accepted key passes; the login itself fails here
    assert ("admin", PASSWORD) in device.attempts


def test_a_known_matching_key_lets_pyez_log_in(device):
    (key,) = device.keys
    record = _store(device.port, key)

    outcome = _discover(device.port)

    # PyEZ verified the key (hostkey_verify, the run's ssh config) and went on to log in
    assert (outcome.outcome, outcome.reason) == ("failed", Reason.AUTH)
    assert ("admin", PASSWORD) in device.attempts
    record.refresh_from_db()
    assert (record.key, record.offered_key, record.offered_at) == (key.get_base64(), "", None)


def test_a_key_changed_after_the_check_is_refused_by_pyez_itself(device):
    first, later = device.keys[0], paramiko.RSAKey.generate(2048)
    device.keys.append(later)  # the check before the login sees the stored key, PyEZ another one
    _store(device.port, first)

    outcome = _discover(device.port)

    assert (outcome.outcome, outcome.reason) == ("failed", Reason.HOST_KEY_CHANGED)
    assert device.attempts == []
    record = HostKey.objects.get(address="127.0.0.1", port=device.port)
    # ncclient names only the fingerprint of the key it refused: nothing offered to accept
    assert (record.key, record.offered_key) == (first.get_base64(), "")


def test_discovery_replaces_nornir_napalms_own_connection_plugin():
    from nornir_napalm.plugins.connections import Napalm

    from collectors.connections import PinnedNapalm

    ConnectionPluginRegister.available.pop("napalm", None)
    ConnectionPluginRegister.register("napalm", Napalm)  # as nornir's auto_register leaves it
    _register_napalm()
    assert ConnectionPluginRegister.available["napalm"] is PinnedNapalm
    _register_napalm()
    assert ConnectionPluginRegister.available["napalm"] is PinnedNapalm
