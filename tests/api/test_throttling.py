"""API rate limits (issue #14): over API_RATE_USER requests a minute per user, or API_RATE_ANON
per address for the operations open without a login, the API answers 429 with Retry-After
(a request without valid credentials is refused with 401 before it is counted). The rates are read at
request time (werterhalt.api.throttling)."""

import pytest
from django.core.cache import cache

from tests.api.conftest import make_user, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    cache.clear()
    settings.API_THROTTLE_RATES = {"anon": "2/min", "user": "4/min"}
    yield settings
    cache.clear()


def test_a_token_over_its_rate_gets_429_with_retry_after(rates):
    client = token_client(make_user("viewer"))
    statuses = [client.get("/api/inventory/sites/").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    over = client.get("/api/inventory/sites/")
    assert over.status_code == 429 and 0 < int(over["Retry-After"]) <= 60
    # another user has a budget of their own
    assert token_client(make_user("viewer")).get("/api/inventory/sites/").status_code == 200


def test_no_limit_when_the_rate_is_unset(settings):
    cache.clear()
    settings.API_THROTTLE_RATES = {"anon": None, "user": None}
    client = token_client(make_user("viewer"))
    assert {client.get("/api/inventory/sites/").status_code for _ in range(30)} == {200}
