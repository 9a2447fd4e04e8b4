"""Clients for the API tests: a user of a group, with a token (read-only or write) or a session."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from inventory.models import Token
from lifecycle.models import Contract, HardwareNotice
from tests.factories import UserFactory


def make_user(*groups, **kwargs):
    user = UserFactory(groups=list(groups), **kwargs)
    user.save()  # UserFactory saves its password only when it adds groups
    return user


def token_client(user, write: bool = False, **kwargs) -> APIClient:
    token, key = Token.issue(user, write_enabled=write, **kwargs)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.token, client.key, client.user = token, key, user
    return client


def session_client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def anonymous(db) -> APIClient:
    return APIClient()


@pytest.fixture
def viewer(db) -> APIClient:
    return token_client(make_user("viewer"))


@pytest.fixture
def engineer(db) -> APIClient:
    """An engineer's write-enabled token."""
    return token_client(make_user("engineer"), write=True)


@pytest.fixture
def planner(db) -> APIClient:
    """A planner's write-enabled token."""
    return token_client(make_user("planner"), write=True)


@pytest.fixture
def admin(db) -> APIClient:
    return token_client(make_user("admin"), write=True)


def notice(*hardware_models, **dates) -> HardwareNotice:
    item = HardwareNotice.objects.create(**dates)
    item.hardware_models.set(hardware_models)
    return item


def contract(*assets, number="C-1", start=dt.date(2024, 1, 1), end=dt.date(2030, 12, 31),
             **kwargs) -> Contract:
    item = Contract.objects.create(provider=kwargs.pop("provider", "Netcare"), number=number,
                                   start=start, end=end, **kwargs)
    item.assets.set(assets)
    return item


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def names(response) -> set[str]:
    return {row["name"] for row in results(response)}

