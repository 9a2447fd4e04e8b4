"""Servers discovered over real HTTP from sushy-static (sushy-tools) serving DMTF's public
rack-mount mockup (../shared/peer-fixtures/redfish): the Nornir task, the DMTF redfish client,
normalisation and sync, end to end; a BMC that is down is recorded with its reason."""

from pathlib import Path

import pytest

from collectors.hosts import Credentials, from_hosts, make_host
from collectors.models import DiscoveryHost
from collectors.runner import discover
from collectors.tasks import Reason
from inventory.models import Asset
from tests.helpers import free_port, start_sushy_static


@pytest.fixture(scope="module")
def bmc():
    root = Path(__file__).resolve().parents[3] / "shared" / "peer-fixtures" / "redfish" / "public-rackmount1"
    if not root.is_dir():
        pytest.skip(f"{root} is absent (the shared fixtures live beside the checkout)")
    port = free_port()
    server = start_sushy_static(root, port)
    yield port
    server.terminate()
    server.wait(timeout=10)
    assert server.poll() is not None


def _bmc_host(name, port, creds):
    host = make_host(name, "127.0.0.1", "redfish", creds, port=port)
    host.data.update(scheme="http", verify_tls=False)
    return host


def test_server_discovered_over_redfish_and_a_bmc_that_is_down(db, bmc, settings):
    settings.DISCOVERY_BMC_ALLOW_HTTP = True  # sushy-static speaks plain HTTP
    creds = Credentials(default={"username": "admin", "password": "bmc-secret-pw"})
    report = discover(
        from_hosts([_bmc_host("rack-1-bmc", bmc, creds), _bmc_host("bmc-down", free_port(), creds)]),
        source="test",
        credentials=creds,
    )
    asset = Asset.objects.get(serial="437XR1138R2")
    assert (asset.manufacturer.name, asset.hardware_model.model) == ("Contoso", "3500")
    assert asset.hardware_model.category == "server"
    assert asset.software_version == "P79 v1.45 (12/06/2017)" and asset.platform.slug == "redfish"
    assert asset.name == "web483" and asset.source == "discovery"
    modules = {m.name: m for m in asset.modules.all()}
    assert (
        modules["Power Supply Bay 1"].serial == "3488247" and modules["SATA Bay 1"].part_number == "3000GT8"
    )
    assert "Power Supply Bay 2" not in modules
    down = DiscoveryHost.objects.get(run=report.run, name="bmc-down")
    assert down.outcome == "failed" and down.reason == Reason.UNREACHABLE
    assert "bmc-secret-pw" not in down.message
    assert report.run.hosts_succeeded == 1 and report.run.hosts_failed == 1

    again = discover(from_hosts([_bmc_host("rack-1-bmc", bmc, creds)]), source="test", credentials=creds)
    assert again.run.assets_created == 0 and again.run.assets_updated == 0  # idempotent
    assert Asset.objects.filter(serial="437XR1138R2").count() == 1


def test_tls_is_verified_by_default(db, bmc):
    """sushy-static here speaks plain HTTP; asked for HTTPS with verification, the client fails
    cleanly and the host is recorded, not the run."""
    creds = Credentials(default={"username": "admin", "password": "pw"})
    host = make_host("tls-bmc", "127.0.0.1", "redfish", creds, port=bmc)  # scheme https, verify on
    report = discover(from_hosts([host]), source="test", credentials=creds)
    failed = DiscoveryHost.objects.get(run=report.run, name="tls-bmc")
    assert failed.outcome == "failed" and failed.reason == Reason.UNREACHABLE
    assert "TLS" in failed.message


@pytest.mark.parametrize(
    "error, text, reason",
    [
        ("InvalidCredentialsError", "details", Reason.AUTH),
        ("SSLError", "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", Reason.ERROR),
        ("SSLError", "[SSL: WRONG_VERSION_NUMBER] wrong version number", Reason.UNREACHABLE),
        ("ConnectTimeout", "details", Reason.TIMEOUT),
        ("ConnectionError", "details", Reason.UNREACHABLE),
        ("ServerDownOrUnreachableError", "details", Reason.UNREACHABLE),
    ],
)
def test_redfish_client_errors_are_classified(error, text, reason):
    import requests
    from redfish.rest import v1

    from collectors.tasks import classify

    cls = getattr(v1, error, None) or getattr(requests.exceptions, error)
    wrapped = v1.RetriesExhaustedError("the client's wrapper")  # the cause is its context
    wrapped.__context__ = cls(text)
    assert classify(wrapped)[0] == reason
    if reason == Reason.AUTH:
        assert "username or password" in classify(wrapped)[1]
