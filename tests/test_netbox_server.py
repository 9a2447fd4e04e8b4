"""The real NetBox the sync with NetBox (issue #18) is tested against: NetBox 4.7.3 from PyPI in
its own Python 3.12 virtualenv (``make netbox``), its own PostgreSQL database and Redis databases,
started on loopback by ``tests/netbox_harness.py`` and filled through its own REST API.

Runs with the PostgreSQL suite (fixture ``netbox``: NetBox needs PostgreSQL; one per CI run)."""

import uuid

import psycopg
import requests


def _databases() -> set[str]:
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres") as c:
        return {r[0] for r in c.execute("SELECT datname FROM pg_database")}


def test_a_real_netbox_takes_devices_through_its_api(netbox):
    nb = netbox  # the session's NetBox (tests/conftest.py: its teardown checks its database is gone)
    tag = uuid.uuid4().hex[:6]
    assert nb.database in _databases()
    assert nb.api("/api/status/")["netbox-version"].startswith("4.7")
    maker = nb.api("/api/dcim/manufacturers/", "POST", {"name": f"Cisco {tag}", "slug": f"cisco-{tag}"})
    kind = nb.api("/api/dcim/device-types/", "POST", {
        "manufacturer": maker["id"], "model": "C9300-48P", "slug": f"c9300-48p-{tag}",
        "part_number": "C9300-48P"})
    site = nb.api("/api/dcim/sites/", "POST", {"name": f"Stadthaus {tag}", "slug": f"stadthaus-{tag}"})
    role = nb.api("/api/dcim/device-roles/", "POST", {"name": f"Access {tag}", "slug": f"access-{tag}"})
    serials = [f"FCW{tag.upper()}{n}" for n in range(3)]
    nb.api("/api/dcim/devices/", "POST", [
        {"name": f"sw-{tag}-{n}", "device_type": kind["id"], "site": site["id"], "role": role["id"],
         "serial": serial, "status": "active"} for n, serial in enumerate(serials)])
    found = nb.api(f"/api/dcim/devices/?site_id={site['id']}&limit=50")
    assert found["count"] == 3
    assert sorted(d["serial"] for d in found["results"]) == serials
    assert {d["device_type"]["model"] for d in found["results"]} == {"C9300-48P"}
    # a wrong token is refused: what the sync must report as a clear error
    headers = {"Authorization": "Bearer nbt_nothing.wrong", "Accept": "application/json"}
    wrong = requests.get(f"{nb.url}/api/dcim/devices/", headers=headers, timeout=30)
    assert wrong.status_code == 403
    # wipe() empties it for the next test
    nb.wipe()
    for path in ("/api/dcim/devices/", "/api/dcim/sites/", "/api/dcim/manufacturers/",
                 "/api/dcim/device-roles/"):
        assert nb.api(f"{path}?limit=1")["count"] == 0, path
