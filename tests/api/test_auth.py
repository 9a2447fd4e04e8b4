"""Token authentication and what each kind of token may do."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import Site, Token
from tests.api.conftest import make_user, session_client, token_client

pytestmark = pytest.mark.django_db

SITES = "/api/inventory/sites/"


def test_anonymous_gets_401_with_the_scheme_to_use(anonymous):
    response = anonymous.get(SITES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_api_root_needs_a_login_too(anonymous, viewer):
    assert anonymous.get("/api/").status_code == 401
    root = viewer.get("/api/")
    assert root.status_code == 200
    assert set(root.json()) == {"inventory", "lifecycle", "discovery", "users", "schema", "docs"}
    assert root.json()["inventory"].endswith("/api/inventory/")
    assert viewer.get(root.json()["inventory"]).json()["assets"].endswith("/api/inventory/assets/")


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token"])
def test_a_token_authenticates_with_either_keyword(scheme):
    user = make_user("viewer")
    _token, key = Token.issue(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    assert client.get(SITES).status_code == 200


@pytest.mark.parametrize(("header", "message"), [
    ("Token wht_not-a-key", "Invalid token."),
    ("Token", "Invalid Authorization header"),
    ("Token two parts", "Invalid Authorization header"),
])
def test_an_unknown_key_or_a_broken_header_is_401(anonymous, header, message):
    anonymous.credentials(HTTP_AUTHORIZATION=header)
    response = anonymous.get(SITES)
    assert response.status_code == 401
    assert message in response.json()["detail"]


def test_an_expired_token_is_401_and_says_so():
    client = token_client(make_user("engineer"), write=True,
                          expires=timezone.now() - dt.timedelta(minutes=1))
    response = client.get(SITES)
    assert response.status_code == 401
    assert response.json()["detail"] == "Token expired."


def test_a_token_of_an_inactive_user_is_401():
    client = token_client(make_user("viewer", is_active=False))
    assert client.get(SITES).status_code == 401


def test_a_read_only_token_cannot_write_whatever_its_user_may_do():
    client = token_client(make_user("engineer"), write=False)
    assert client.get(SITES).status_code == 200
    response = client.post(SITES, {"name": "Werkhof", "slug": "werkhof"}, format="json")
    assert response.status_code == 403
    assert not Site.objects.filter(slug="werkhof").exists()


def test_a_write_token_writes_as_far_as_its_user_may():
    client = token_client(make_user("engineer"), write=True)
    response = client.post(SITES, {"name": "Werkhof", "slug": "werkhof"}, format="json")
    assert response.status_code == 201, response.content
    assert Site.objects.filter(slug="werkhof").exists()


def test_a_write_token_of_a_viewer_still_only_reads():
    client = token_client(make_user("viewer"), write=True)
    assert client.post(SITES, {"name": "Werkhof", "slug": "werkhof"}, format="json").status_code == 403


def test_a_session_authenticates_the_browser():
    client = session_client(make_user("viewer"))
    assert client.get(SITES).status_code == 200


def test_last_used_is_written_at_most_once_a_minute():
    client = token_client(make_user("viewer"))
    assert client.token.last_used is None
    client.get(SITES)
    first = Token.objects.get(pk=client.token.pk).last_used
    assert first is not None
    client.get(SITES)
    assert Token.objects.get(pk=client.token.pk).last_used == first
    earlier = timezone.now() - dt.timedelta(minutes=2)
    Token.objects.filter(pk=client.token.pk).update(last_used=earlier)
    client.get(SITES)
    assert Token.objects.get(pk=client.token.pk).last_used > earlier
