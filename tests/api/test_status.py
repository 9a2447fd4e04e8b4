"""/healthz (no login) and /api/status/ (signed in) — issue #14."""

import pytest
from django.db import connection

from collectors.models import DiscoveryRun
from tests.api.conftest import make_user, token_client

pytestmark = pytest.mark.django_db


def test_healthz_needs_no_login_and_names_only_states(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"
    assert set(body["checks"].values()) == {"ok"}
    assert ("redis" in body["checks"]) is bool(settings.REDIS_URL)


def test_healthz_answers_503_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "checks": {
        "process": "ok", "database": "ok", "migrations": "ok", "redis": "unreachable"}}
    assert "127.0.0.1" not in response.content.decode()


def test_api_status_needs_a_login_and_tells_versions_and_the_last_run(anonymous):
    assert anonymous.get("/api/status/").status_code == 401
    from django.utils import timezone

    run = DiscoveryRun.objects.create(started=timezone.now(), heartbeat=timezone.now(), source="test")
    body = token_client(make_user("viewer")).get("/api/status/").json()
    assert body["status"] == "ok"
    assert body["versions"]["django"].startswith("5.2")
    assert body["versions"]["database"].lower().startswith(connection.vendor)
    assert body["last_discovery_run"]["id"] == run.pk
    assert isinstance(body["workers"], int)
