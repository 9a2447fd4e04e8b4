"""The OpenAPI schema (no warnings) and its Swagger UI, served without any CDN."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

from tests.api.conftest import make_user, session_client

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    for path in ("/api/inventory/assets/", "/api/inventory/hardware-models/{id}/", "/api/lifecycle/policies/",
                 "/api/discovery/hosts/", "/api/users/tokens/"):
        assert path in paths, path
    assert "post" not in paths["/api/inventory/object-changes/"]
    assert "patch" not in paths["/api/users/tokens/{id}/"]
    asset = schema["components"]["schemas"]["Asset"]["properties"]
    assert asset["site"]["allOf"] == [{"$ref": "#/components/schemas/BriefSite"}]
    assert asset["support_status"]["readOnly"] is True
    request = schema["components"]["schemas"]["AssetRequest"]["properties"]
    assert request["site"]["type"] == "integer"
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_schema_endpoint_needs_a_login(anonymous):
    assert anonymous.get("/api/schema/").status_code in {401, 403}
    client = session_client(make_user("viewer"))
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Werterhalt API"


def test_swagger_ui_is_served_from_our_own_static_files():
    client = session_client(make_user("viewer"))
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    external = re.findall(r"""(?:src|href)\s*=\s*["']((?:https?:)?//[^"']+)""", html)
    assert external == []
    assert "jsdelivr" not in html and "unpkg" not in html
    for asset in re.findall(r"""(?:src|href)\s*=\s*["']/static/([^"']+)""", html):
        assert finders.find(asset), f"{asset} is not among the static files"


def test_swagger_ui_needs_a_login(anonymous):
    assert anonymous.get("/api/docs/").status_code in {401, 403}
