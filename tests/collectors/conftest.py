"""The lab served in the test process: real SSH servers on 127.77.x.y, one port for all."""

import socket

import pytest

from collectors.lab import topology


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.77.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab_devices():
    return topology.build_topology(port=free_port())


@pytest.fixture(scope="session")
def lab(lab_devices):
    """The default lab (33 healthy devices, broken ones, one outside the prefix), started once."""
    from collectors.lab.server import Lab

    with Lab(lab_devices) as running:
        yield running


@pytest.fixture
def lab_inventory(lab, lab_devices, tmp_path):
    from collectors.lab.server import write_inventory

    return write_inventory(lab_devices, tmp_path / "inventory")


@pytest.fixture
def credentials(lab_inventory):
    from collectors.hosts import load_credentials

    return load_credentials(lab_inventory.parent / "secrets.yaml", env={})


@pytest.fixture(autouse=True)
def _fast_timeouts(settings):
    # the silent device costs one timeout per run: keep it short in tests
    settings.DISCOVERY_TIMEOUT = 3
    settings.DISCOVERY_WORKERS = 24
