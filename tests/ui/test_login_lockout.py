"""Login lockout (django-axes, issue #14): after LOGIN_FAILURE_LIMIT wrong passwords for a user
name from one address, the right password no longer logs in — until the cool-off or an admin's
reset. Before, 100 wrong passwords and then the right one logged in."""

import pytest
from django.core.management import call_command

from tests.factories import UserFactory

PASSWORD = "pw-for-tests"  # tests/factories.py UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    return settings


def _log_in(client, username, password, address="10.1.2.3"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_lock_the_user_name_for_that_address(client, lockout):
    UserFactory(username="erika", groups=["engineer"])
    UserFactory(username="paul", groups=["viewer"])
    statuses = [_log_in(client, "erika", "wrong").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # the form again with an error; the third failure locks
    locked = _log_in(client, "erika", PASSWORD)
    assert locked.status_code == 429
    assert not _signed_in(client)
    # another user name from the same address, and the same name from another address, still log in
    assert _log_in(client, "paul", PASSWORD).status_code == 302 and _signed_in(client)
    client.logout()
    assert _log_in(client, "erika", PASSWORD, address="10.9.9.9").status_code == 302
    client.logout()
    # an admin lifts the lockout
    call_command("axes_reset_username", "erika")
    assert _log_in(client, "erika", PASSWORD).status_code == 302 and _signed_in(client)


def test_fewer_failures_than_the_limit_do_not_lock(client, lockout):
    UserFactory(username="erika", groups=["engineer"])
    for _ in range(2):
        _log_in(client, "erika", "wrong")
    assert _log_in(client, "erika", PASSWORD).status_code == 302 and _signed_in(client)
