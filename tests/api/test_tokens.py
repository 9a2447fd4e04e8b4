"""/api/users/tokens/ and ``manage.py create_token``."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import Token
from inventory.models.users import TOKEN_PREFIX
from tests.api.conftest import make_user, session_client, token_client

pytestmark = pytest.mark.django_db

TOKENS = "/api/users/tokens/"


def test_create_returns_the_key_once_and_it_works():
    client = session_client(make_user("engineer"))
    response = client.post(TOKENS, {"description": "backup script", "write_enabled": True}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    key = body["key"]
    assert key.startswith(TOKEN_PREFIX) and body["prefix"] == key[: len(body["prefix"])]
    token = Token.objects.get(pk=body["id"])
    assert (token.user, token.description, token.write_enabled) == (client.user, "backup script", True)
    assert key not in (token.digest, token.prefix)  # only the digest is stored
    listed = client.get(TOKENS)
    assert "key" not in listed.json()["results"][0]
    assert key not in listed.content.decode() and token.digest not in listed.content.decode()
    detail = client.get(body["url"])
    assert "key" not in detail.json() and token.digest not in detail.content.decode()
    with_key = APIClient()
    with_key.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert with_key.get("/api/inventory/sites/").status_code == 200


def test_an_expiry_must_lie_ahead():
    client = session_client(make_user("viewer"))
    past = (timezone.now() - dt.timedelta(days=1)).isoformat()
    response = client.post(TOKENS, {"expires": past}, format="json")
    assert response.status_code == 400 and "expires" in response.json()
    assert not Token.objects.exists()


def test_a_user_sees_and_deletes_only_their_own_tokens():
    alice, bob = make_user("engineer"), make_user("engineer")
    mine, _ = Token.issue(alice, description="mine")
    theirs, _ = Token.issue(bob, description="theirs")
    client = session_client(alice)
    assert [t["description"] for t in client.get(TOKENS).json()["results"]] == ["mine"]
    assert client.get(f"{TOKENS}{theirs.pk}/").status_code == 404
    assert client.delete(f"{TOKENS}{theirs.pk}/").status_code == 404
    assert Token.objects.filter(pk=theirs.pk).exists()
    assert client.delete(f"{TOKENS}{mine.pk}/").status_code == 204
    assert not Token.objects.filter(pk=mine.pk).exists()


def test_admins_see_every_token():
    Token.issue(make_user("viewer"), description="a viewer's")
    admin = session_client(make_user("admin"))
    Token.issue(admin.user, description="the admin's")
    assert {t["description"] for t in admin.get(TOKENS).json()["results"]} == {"a viewer's", "the admin's"}


def test_tokens_cannot_be_changed_and_read_only_tokens_cannot_make_tokens():
    client = token_client(make_user("engineer"), write=False)
    assert client.get(TOKENS).status_code == 200
    assert client.post(TOKENS, {"write_enabled": True}, format="json").status_code == 403
    assert client.delete(f"{TOKENS}{client.token.pk}/").status_code == 403
    writer = token_client(make_user("engineer"), write=True)
    assert writer.patch(f"{TOKENS}{writer.token.pk}/", {"description": "x"}, format="json").status_code == 405
    assert Token.objects.count() == 2


def test_anonymous_has_no_tokens(anonymous):
    assert anonymous.get(TOKENS).status_code == 401


def test_create_token_command_prints_the_key():
    user = make_user("engineer", username="backup")
    out, err = io.StringIO(), io.StringIO()
    call_command("create_token", "backup", "--write", "--expires-days", "30", "--description", "nightly",
                 stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = Token.find(key)
    assert token is not None and token.user == user
    assert (token.write_enabled, token.description) == (True, "nightly")
    assert abs(token.expires - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    assert token.prefix in err.getvalue() and key not in err.getvalue()


def test_create_token_command_defaults_to_read_only_without_expiry():
    make_user("viewer", username="reader")
    out = io.StringIO()
    call_command("create_token", "reader", stdout=out, stderr=io.StringIO())
    token = Token.find(out.getvalue().strip())
    assert (token.write_enabled, token.expires) == (False, None)


def test_create_token_command_unknown_user_exits_2():
    with pytest.raises(CommandError, match="No user named “nobody”") as error:
        call_command("create_token", "nobody", stdout=io.StringIO())
    assert error.value.returncode == 2
    assert not Token.objects.exists()


# --- a token cannot outlive or outrank the token that made it (issue #14) -----------------------

def test_a_token_with_an_expiry_makes_tokens_that_expire_no_later():
    soon = timezone.now() + dt.timedelta(days=7)
    client = token_client(make_user("engineer"), write=True, expires=soon)

    unbounded = client.post(TOKENS, {"description": "forever", "write_enabled": True}, format="json")
    assert unbounded.status_code == 201, unbounded.content
    assert Token.objects.get(pk=unbounded.json()["id"]).expires == soon  # inherits the expiry

    too_late = (soon + dt.timedelta(days=1)).isoformat()
    later = client.post(TOKENS, {"description": "later", "expires": too_late}, format="json")
    assert later.status_code == 400
    assert "expires" in later.json()

    earlier = soon - dt.timedelta(days=1)
    ok = client.post(TOKENS, {"description": "earlier", "expires": earlier.isoformat()}, format="json")
    assert ok.status_code == 201, ok.content
    assert Token.objects.get(pk=ok.json()["id"]).expires == earlier
    assert Token.objects.filter(expires__gt=soon).count() == 0


def test_a_session_may_still_make_a_token_without_expiry():
    client = session_client(make_user("engineer"))
    response = client.post(TOKENS, {"description": "cron", "write_enabled": True}, format="json")
    assert response.status_code == 201, response.content
    assert Token.objects.get(pk=response.json()["id"]).expires is None


def test_a_read_only_token_cannot_make_a_write_token():
    client = token_client(make_user("engineer"), write=False)
    response = client.post(TOKENS, {"description": "escalate", "write_enabled": True}, format="json")
    assert response.status_code in (400, 403)
    assert not Token.objects.filter(description="escalate").exists()


# --- allowed networks per token (issue #14) ---------------------------------------------------

def test_a_token_limited_to_networks_works_only_from_there(settings):
    user = make_user("viewer")
    token, key = Token.issue(user, allowed_networks="10.20.0.0/16, 2001:db8::/32")
    assert token.allowed_networks == "10.20.0.0/16, 2001:db8::/32"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/inventory/sites/", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/api/inventory/sites/", REMOTE_ADDR="2001:db8::7").status_code == 200
    refused = client.get("/api/inventory/sites/", REMOTE_ADDR="10.21.0.1")
    assert refused.status_code == 401 and "address" in refused.json()["detail"]
    # behind a reverse proxy the address it adds to X-Forwarded-For counts, not REMOTE_ADDR
    settings.BEHIND_PROXY = True
    assert client.get("/api/inventory/sites/", REMOTE_ADDR="127.0.0.1",
                      HTTP_X_FORWARDED_FOR="10.99.0.1, 10.20.0.9").status_code == 200
    assert client.get("/api/inventory/sites/", REMOTE_ADDR="10.20.0.9",
                      HTTP_X_FORWARDED_FOR="10.99.0.1").status_code == 401


def test_a_bad_network_is_a_400_naming_the_field():
    client = session_client(make_user("engineer"))
    response = client.post(TOKENS, {"description": "x", "allowed_networks": "10.0.0.0/8, intranet"},
                           format="json")
    assert response.status_code == 400 and "allowed_networks" in response.json()
    assert "intranet" in response.json()["allowed_networks"][0]


def test_a_limited_token_makes_tokens_no_wider():
    parent, key = Token.issue(make_user("engineer"), write_enabled=True, allowed_networks="10.20.0.0/16")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    kwargs = {"format": "json", "REMOTE_ADDR": "10.20.1.1"}
    wider = client.post(TOKENS, {"description": "wider", "allowed_networks": "10.0.0.0/8"}, **kwargs)
    assert wider.status_code == 400 and "allowed_networks" in wider.json()
    inherited = client.post(TOKENS, {"description": "same"}, **kwargs)
    assert inherited.status_code == 201, inherited.content
    assert Token.objects.get(pk=inherited.json()["id"]).allowed_networks == "10.20.0.0/16"
    narrower = client.post(TOKENS, {"description": "narrower", "allowed_networks": "10.20.5.0/24"}, **kwargs)
    assert narrower.status_code == 201
    assert Token.objects.get(pk=narrower.json()["id"]).allowed_networks == "10.20.5.0/24"


def test_create_token_allow_option():
    out, err = io.StringIO(), io.StringIO()
    make_user("viewer", username="cli-user")
    call_command("create_token", "cli-user", "--allow", "192.168.10.0/24", stdout=out, stderr=err)
    assert Token.find(out.getvalue().strip()).allowed_networks == "192.168.10.0/24"
    with pytest.raises(CommandError, match="--allow"):
        call_command("create_token", "cli-user", "--allow", "nowhere")
