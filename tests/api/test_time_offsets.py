"""A moment with any offset ISO 8601 allows is a filter value, not a server error (found by
Schemathesis: PostgreSQL refuses offsets past ±15:59 such as ``+20:27``)."""

import datetime as dt

import pytest
from django.utils import timezone

from collectors.choices import RunStatus
from collectors.models import DiscoveryRun
from tests.api.conftest import make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("2026-01-01T00:00:00+20:27", ["new"]),  # 2025-12-31 03:33 UTC
        ("2026-01-01T00:00:00-23:59", []),  # 2026-01-01 23:59 UTC: after both
        ("2025-12-31T10:00:00+00:00", ["new"]),
        ("0001-01-01T00:00:00+23:59", ["new", "old"]),  # before year 1 in UTC: before every run
        ("9999-12-31T23:59:59-23:59", []),  # after 9999 in UTC: after every run
        ("1095-01-27T07:40:31+20:27", ["new", "old"]),
    ],
)
def test_since_takes_every_offset(since, expected):
    at = timezone.make_aware(dt.datetime(2026, 1, 1, 12, 0), dt.UTC)
    DiscoveryRun.objects.create(started=at, status=RunStatus.PARTIAL, message="new")
    DiscoveryRun.objects.create(started=at - dt.timedelta(days=400), status=RunStatus.PARTIAL, message="old")
    answer = token_client(make_user("viewer")).get("/api/discovery/runs/", {"since": since})
    assert answer.status_code == 200, answer.content
    assert sorted(r["message"] for r in answer.json()["results"]) == expected
