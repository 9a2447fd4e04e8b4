"""SNMP discovery against all 30 LibreNMS recordings: what read_device finds vs expected.json.

One snmpsim agent serves the whole ../shared/peer-fixtures/snmp folder (community
``<name>/<name>``); every device is read through ``collectors.snmp.client.read_device`` over v2c
and scored with ``tests/collectors/snmp_scoring.score``.
"""

import json
import socket

import pytest

from collectors.lab.snmpagent import SnmpAgents
from collectors.snmp import client
from tests.conftest import SHARED

SNMP = SHARED / "peer-fixtures" / "snmp"


def test_read_device_matches_librenms():
    if not SNMP.is_dir():
        pytest.skip(f"{SNMP} is absent (the shared fixtures live beside the checkout)")
    pytest.importorskip("collectors.snmp.identify", reason="collectors/snmp/identify.py is not there yet")
    scoring = pytest.importorskip("tests.collectors.snmp_scoring", reason="snmp_scoring.py is not there yet")

    names = sorted(p.name for p in SNMP.iterdir() if (p / f"{p.name}.snmprec").is_file())
    assert len(names) == 30
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.77.0.1", 0))
        port = s.getsockname()[1]
    rows, scores = [], {}
    with SnmpAgents(SNMP, [("127.77.0.1", port)], probe_community=f"{names[0]}/{names[0]}"):
        for name in names:
            expected = json.loads((SNMP / name / "expected.json").read_text())
            target = client.Target("127.77.0.1", port, community=f"{name}/{name}", timeout=2, retries=0)
            try:
                facts = client.read_device(target)
            except Exception as exc:  # a failure scores as nothing found
                rows.append(f"{name:28} FAILED {type(exc).__name__}: {exc}")
                scores[name] = {"model": False, "serial": False, "version": False}
                continue
            result = scoring.score(name, facts, expected["os"])
            scores[name] = result
            rows.append(f"{name:28} {result}")
    print("\n".join(rows))

    def count(key):
        return sum(1 for r in scores.values() if _get(r, key))

    serial_and_model = sum(1 for r in scores.values() if _get(r, "serial") and _get(r, "model"))
    assert serial_and_model >= 27, f"serial and model right for {serial_and_model}/30"
    assert count("version") >= 25, f"version right for {count('version')}/30"


def _get(result, key):
    """A score's verdict for one field (a mapping or an object with attributes)."""
    if isinstance(result, dict):
        return bool(result.get(key))
    return bool(getattr(result, key, False))
