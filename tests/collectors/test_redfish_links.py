"""A BMC's answer cannot make the collector fetch another host (issue #14): links that are not
paths under /redfish/v1/ of the BMC (`@host:port/x`, a full URL, `..`) are refused before any
request, and a redirect is not followed. A real sushy-static serves a doctored copy of DMTF's
mockup; a listening socket stands for the other host and must see no connection."""

import json
import shutil
import socket
from pathlib import Path

import pytest

from collectors.hosts import Credentials, make_host
from collectors.normalize import UnparsableOutput
from collectors.redfish import ForeignLink, local_path
from collectors.tasks import read_bmc
from tests.helpers import free_port, start_sushy_static

MOCKUP = Path(__file__).resolve().parents[3] / "shared" / "peer-fixtures" / "redfish" / "public-rackmount1"


@pytest.mark.parametrize("link", [
    "@127.0.0.1:8799/x", "http://127.0.0.1:8799/redfish/v1/Systems", "//evil/redfish/v1/Systems",
    "/redfish/v1/../../x", "/redfish/v1/Systems/..", "/redfish/v1x", "/other/v1", "/redfish/v1/a@b",
    "/redfish/v1/a?b=1", "/redfish/v1/a%2f..", "/redfish/v1/a\\b", "/redfish/v1/a b", None, 3,
])
def test_foreign_links_are_refused(link):
    with pytest.raises(ForeignLink):
        local_path(link)


@pytest.mark.parametrize(("link", "path"), [
    ("/redfish/v1", "/redfish/v1"),
    ("/redfish/v1/Systems/437XR1138R2", "/redfish/v1/Systems/437XR1138R2"),
    ("/redfish/v1/Chassis/1/Power#/PowerSupplies/0", "/redfish/v1/Chassis/1/Power"),
    ("/redfish/v1/Systems/System.Embedded.1/Storage/Drives/Disk.Bay.0:Enclosure.Internal.0-1",
     "/redfish/v1/Systems/System.Embedded.1/Storage/Drives/Disk.Bay.0:Enclosure.Internal.0-1"),
])
def test_paths_of_the_bmc_are_fetched(link, path):
    assert local_path(link) == path


@pytest.fixture
def other_host():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    yield listener
    listener.close()


def _connections(listener) -> int:
    count = 0
    while True:
        try:
            conn, _addr = listener.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


@pytest.mark.parametrize("where", ["system member", "chassis link"])
def test_a_bmc_answer_linking_elsewhere_fetches_nothing_off_the_bmc(tmp_path, other_host, where):
    if not MOCKUP.is_dir():
        pytest.skip(f"{MOCKUP} is absent (the shared fixtures live beside the checkout)")
    mockup = tmp_path / "mockup"
    shutil.copytree(MOCKUP, mockup)
    port = other_host.getsockname()[1]
    if where == "system member":
        doc = mockup / "Systems" / "index.json"
        data = json.loads(doc.read_text())
        data["Members"] = [{"@odata.id": f"@127.0.0.1:{port}/x"}]
    else:
        doc = mockup / "Systems" / "437XR1138R2" / "index.json"
        data = json.loads(doc.read_text())
        data["Links"]["Chassis"] = [{"@odata.id": f"http://127.0.0.1:{port}/redfish/v1/Chassis/1"}]
    doc.write_text(json.dumps(data))
    bmc_port = free_port()
    server = start_sushy_static(mockup, bmc_port)
    try:
        creds = Credentials(default={"username": "admin", "password": "bmc-secret-pw"})
        host = make_host("bmc", "127.0.0.1", "redfish", creds, port=bmc_port)
        host.data.update(scheme="http", verify_tls=False, allow_http=True)
        with pytest.raises(UnparsableOutput, match="linked elsewhere, not followed"):
            read_bmc(host, timeout=5)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert _connections(other_host) == 0


def test_plain_http_is_refused_unless_allowed(db, other_host, settings):
    """issue #14: `scheme: http` sent basic-auth credentials in clear. Refused before any
    connection unless DISCOVERY_BMC_ALLOW_HTTP; the inventory cannot allow it itself."""
    from collectors.hosts import from_hosts
    from collectors.models import DiscoveryHost
    from collectors.runner import discover
    from collectors.tasks import NotAllowed, Reason

    creds = Credentials(default={"username": "admin", "password": "bmc-secret-pw"})
    settings.DISCOVERY_BMC_ALLOW_HTTP = False
    host = make_host("bmc", "127.0.0.1", "redfish", creds, port=other_host.getsockname()[1])
    host.data.update(scheme="http")
    with pytest.raises(NotAllowed, match="unencrypted"):
        read_bmc(host, timeout=5)
    host.data.update(allow_http=True)  # what an inventory says is overridden by the run
    report = discover(from_hosts([host]), source="test", credentials=creds)
    failed = DiscoveryHost.objects.get(run=report.run, name="bmc")
    assert (failed.outcome, failed.reason) == ("failed", Reason.NOT_ALLOWED)
    assert "DISCOVERY_BMC_ALLOW_HTTP" in failed.message
    assert _connections(other_host) == 0
