"""Dates and percentages for people (issue #15): the ``day``, ``moment`` and ``percent`` filters,
and the asset page, the asset list and the dashboard in German and English."""

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from inventory.models import Asset
from inventory.tables import AssetTable
from lifecycle import state
from tests.factories import AssetFactory, UserFactory
from werterhalt.templatetags.werterhalt import day, moment, percent

ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PURCHASED = dt.date(2019, 5, 17)
# 12:03 UTC is 14:03 in Zurich (summer time): the filter shows the local time
NOON_UTC = dt.datetime(2026, 5, 17, 12, 3, 45, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("de", dt.date(2026, 5, 17), "17.05.2026"),
        ("en", dt.date(2026, 5, 17), "2026-05-17"),
        ("de-ch", dt.date(2026, 1, 2), "02.01.2026"),
        ("de", NOON_UTC, "17.05.2026"),
        ("de", dt.datetime(2026, 5, 17, 23, 30, tzinfo=dt.UTC), "18.05.2026"),  # the local day
        ("en", None, ""),
        ("de", "", ""),
    ],
)
def test_day(language, value, expected):
    with translation.override(language):
        assert day(value) == expected


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("de", NOON_UTC, "17.05.2026 14:03"),
        ("en", NOON_UTC, "2026-05-17 14:03"),
        ("de", dt.datetime(2026, 1, 5, 8, 7, tzinfo=ZoneInfo("Europe/Zurich")), "05.01.2026 08:07"),
        ("en", dt.datetime(2026, 1, 5, 8, 7), "2026-01-05 08:07"),  # naive: taken as it is
        ("de", None, ""),
    ],
)
def test_moment(language, value, expected):
    with translation.override(language):
        assert moment(value) == expected


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12.5, "12.5 %"),
        (Decimal("12.54"), "12.5 %"),
        (0, "0.0 %"),
        (100, "100.0 %"),
        (33.333, "33.3 %"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_percent(language, value, expected):
    """STYLE §7: German writes a decimal comma (20,8 %), English a dot."""
    with translation.override(language):
        assert percent(value) == (expected.replace(".", ",") if language == "de" else expected)


class _Text(HTMLParser):
    """The text a person sees: no tags, no attributes, no scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def asset(db):
    seen = timezone.now() - dt.timedelta(days=400)  # stale: listed on the dashboard
    asset = AssetFactory(
        name="sw-formats", purchase_date=PURCHASED, in_service_date=PURCHASED, last_seen=seen
    )
    state.refresh()
    return asset


def get(client, url, language):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_asset_page_in_german_shows_swiss_dates(client, asset):
    html = get(client, asset.get_absolute_url(), "de")
    assert '<html lang="de">' in html
    fields = visible_text(section(html, "asset-fields"))
    assert "17.05.2019" in fields
    assert not ISO.findall(fields)
    assert not ISO.findall(visible_text(section(html, "lifecycle-panel")))
    assert not ISO.findall(visible_text(section(html, "discovery-history")))


def test_asset_page_in_english_shows_iso_dates(client, asset):
    html = get(client, asset.get_absolute_url(), "en")
    fields = visible_text(section(html, "asset-fields"))
    assert "2019-05-17" in fields
    assert "17.05.2019" not in fields


def test_dashboard_in_german_shows_swiss_dates_and_percent(client, asset):
    html = get(client, reverse("home"), "de")
    stale = visible_text(section(html, "leaving-support"))
    assert timezone.localtime(asset.last_seen).strftime("%d.%m.%Y") in stale
    assert not ISO.findall(stale)
    assert re.search(r'<div class="stat">\d+,\d %</div>', html)


def test_dashboard_in_english_shows_iso_dates_and_percent(client, asset):
    html = get(client, reverse("home"), "en")
    stale = visible_text(section(html, "leaving-support"))
    assert timezone.localtime(asset.last_seen).strftime("%Y-%m-%d") in stale
    assert re.search(r'<div class="stat">\d+\.\d %</div>', html)


@pytest.mark.parametrize(("language", "expected"), [("de", "17.05.2019"), ("en", "2019-05-17")])
def test_asset_list_date_columns_follow_the_language(asset, language, expected):
    """Model date fields in a table (purchase_date here) get the same rule, not the locale's
    SHORT_DATE_FORMAT (m/d/Y in English); the export value stays ISO."""
    table = AssetTable(Asset.objects.for_lists())
    row = table.rows[0]
    with translation.override(language):
        assert row.get_cell("purchase_date") == expected
        assert row.get_cell_value("purchase_date") == "2019-05-17"
