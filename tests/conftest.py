import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` / ``redis`` need those services; without the URL they skip."""
    db_url = os.environ.get("DATABASE_URL", "")
    for item in items:
        if "postgres" in item.keywords and not db_url.startswith(("postgres://", "postgresql://")):
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://..."))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL=redis://..."))


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (the shared fixtures live beside the checkout)")
    return SHARED


@pytest.fixture
def catalogue(db):
    """Cisco (with an alias), its C9300-48P and the site Stadthaus."""
    from tests.factories import HardwareModelFactory, ManufacturerFactory, SiteFactory

    cisco = ManufacturerFactory(name="Cisco", slug="cisco", aliases=["Cisco Systems, Inc."])
    HardwareModelFactory(manufacturer=cisco, model="C9300-48P")
    SiteFactory(name="Stadthaus", slug="stadthaus")
    return cisco


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the default language: a request in German leaves German active in the
    thread (LocaleMiddleware), and words made from codes (lifecycle.labels) follow it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
