"""One structured log record per request (issue #14), and JSON lines with LOG_FORMAT=json."""

import json
import logging

import pytest

from tests.factories import UserFactory
from werterhalt.logformat import JsonFormatter

pytestmark = pytest.mark.django_db


def test_each_request_is_logged_with_its_fields(client, caplog):
    client.force_login(UserFactory(username="erika", groups=["viewer"]))
    with caplog.at_level(logging.INFO, logger="werterhalt.request"):
        response = client.get("/assets/?q=secret-search", HTTP_X_REQUEST_ID="abc-123", REMOTE_ADDR="10.1.1.1")
    [record] = [r for r in caplog.records if r.name == "werterhalt.request"]
    assert (record.method, record.path, record.status, record.user, record.client, record.request_id) == (
        "GET", "/assets/", 200, "erika", "10.1.1.1", "abc-123")
    assert record.ms > 0
    assert "secret-search" not in record.getMessage()  # the query is not logged
    assert response["X-Request-ID"] == "abc-123"
    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == "/assets/" and line["status"] == 200 and line["logger"] == "werterhalt.request"


def test_a_request_without_an_id_gets_one(client, caplog):
    with caplog.at_level(logging.INFO, logger="werterhalt.request"):
        response = client.get("/healthz")
    [record] = [r for r in caplog.records if r.name == "werterhalt.request"]
    assert len(record.request_id) == 32 and response["X-Request-ID"] == record.request_id
    assert record.user == ""
