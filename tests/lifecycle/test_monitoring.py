"""The strategic monitoring (issue #16): traffic lights with their tolerance edges, a unit's own
target over the general one, series and month tables from known snapshots, the trend chart's
geometry, the Monitoring page in English and German (figures formatted per STYLE §7), its 400s
and empty state, and the steering report read back with openpyxl (and its charts' XML).

The snapshots are written here directly (``lifecycle.snapshots`` computes them elsewhere):
Bildung (a Direktion) and the city have 24 monthly snapshots, 2024-01-01 … 2025-12-01; in month
``i`` Bildung has ``100 + i`` assets in use, ``0.5·i`` % out of hardware support (11.5 % in the
last month, 5.5 % a year before), 4 % out of software support, 15 % without a contract and a
backlog of CHF 1'000·(i+1).50; its office Schulamt has three snapshots (two in December)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from inventory.models import OrgUnit
from lifecycle import monitoring, rules, views_monitoring
from lifecycle.choices import TargetDirection
from lifecycle.models import KpiSnapshot, KpiTarget
from lifecycle.monitoring import steering
from tests.factories import OrgUnitFactory, UserFactory
from werterhalt.trend import trend_chart

pytestmark = pytest.mark.django_db

FIRST = dt.date(2024, 1, 1)
LAST = dt.date(2025, 12, 1)


def snapshot(at, unit=None, **figures) -> KpiSnapshot:
    return KpiSnapshot(at=at, org_unit=unit, computed=timezone.now(), **figures)


def bildung_month(i: int) -> dict:
    return {
        "assets_in_use": 100 + i,
        "hw_out_share": 0.5 * i,
        "sw_out_share": 4.0,
        "no_contract_share": 15.0,
        "backlog_cost": Decimal(1000 * (i + 1)) + Decimal("0.50"),
        "book_value": Decimal("1234.50"),
        "average_age": 4.3,
        "risk_critical": 2,
        "not_seen_30d": None if i < 12 else 3,
        "backfilled": i < 12,
    }


@pytest.fixture
def world(db):
    bildung = OrgUnitFactory(name="Bildung", slug="bildung")
    schulamt = OrgUnitFactory(name="Schulamt", slug="schulamt", parent=bildung)
    finanzen = OrgUnitFactory(name="Finanzen", slug="finanzen")
    OrgUnitFactory(name="Steueramt", slug="steueramt", parent=finanzen)  # no snapshots
    rows = []
    for i in range(24):
        at = rules.add_months(FIRST, i)
        rows.append(snapshot(at, bildung, **bildung_month(i)))
        rows.append(snapshot(at, None, assets_in_use=1000 + i, hw_out_share=20.8, sw_out_share=2.0,
                             backlog_cost=Decimal("1234.50")))
    rows += [
        snapshot(dt.date(2025, 9, 1), schulamt, hw_out_share=3.0),
        snapshot(dt.date(2025, 12, 1), schulamt, hw_out_share=7.0),
        snapshot(dt.date(2025, 12, 15), schulamt, hw_out_share=9.0),  # the later one of December
        snapshot(dt.date(2025, 12, 1), finanzen, hw_out_share=1.0),
    ]
    KpiSnapshot.objects.bulk_create(rows)
    # Bildung's own target wins over the general one (migration 0011: ≤ 5 %, tolerance 5)
    KpiTarget.objects.create(kpi="hw_out_share", org_unit=bildung, value=Decimal("10"),
                             tolerance=Decimal("1"))
    return {"bildung": bildung, "schulamt": schulamt, "finanzen": finanzen}


def target(value, tolerance=0, direction=TargetDirection.AT_MOST) -> KpiTarget:
    return KpiTarget(kpi="hw_out_share", direction=direction, value=Decimal(str(value)),
                     tolerance=Decimal(str(tolerance)))


# --- traffic lights and targets --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "goal", "expected"),
    [
        (4.99, target(5, 5), "green"),
        (5.0, target(5, 5), "green"),  # meeting the target exactly is meeting it
        (5.01, target(5, 5), "amber"),
        (10.0, target(5, 5), "amber"),  # missed by exactly the tolerance: still amber
        (10.01, target(5, 5), "red"),
        (5.7, target("5.4", "0.3"), "amber"),  # 5.7 − 5.4 is 0.3, not 0.30000000000000027
        (5.71, target("5.4", "0.3"), "red"),
        (6, target(5), "red"),  # no tolerance: any miss is red
        (Decimal("1234.50"), target("1234.50"), "green"),
        (95.0, target(95, 5, TargetDirection.AT_LEAST), "green"),
        (90.0, target(95, 5, TargetDirection.AT_LEAST), "amber"),
        (89.9, target(95, 5, TargetDirection.AT_LEAST), "red"),
        (None, target(5, 5), "none"),  # not_seen_30d of a backfilled month
        (3.0, None, "none"),
    ],
)
def test_traffic_light(value, goal, expected):
    assert monitoring.light(value, goal) == expected


def test_a_units_own_target_wins_over_the_general_one(world):
    own = monitoring.targets(world["bildung"].pk)
    hw = own["hw_out_share"]
    assert (hw.value, hw.org_unit_id) == (Decimal("10"), world["bildung"].pk)
    assert own["sw_out_share"].value == Decimal("5") and own["sw_out_share"].org_unit_id is None
    # its office has no target of its own: the general one (not the Direktion's)
    office = monitoring.targets(world["schulamt"].pk)
    assert (office["hw_out_share"].value, office["hw_out_share"].tolerance) == (Decimal("5"), Decimal("5"))
    city = monitoring.targets(None)
    assert {k: (t.value, t.tolerance) for k, t in city.items()} == {
        "hw_out_share": (Decimal("5"), Decimal("5")), "sw_out_share": (Decimal("5"), Decimal("5")),
        "no_contract_share": (Decimal("10"), Decimal("10")),
    }


# --- units, series, table --------------------------------------------------------------------------


def test_unit_choices_city_then_direktionen_with_their_offices(world):
    seen = monitoring.Visible(snapshots=KpiSnapshot.objects.all(), units=OrgUnit.objects.all())
    choices = monitoring.unit_choices(seen)
    assert [(c.id, c.label, c.depth) for c in choices] == [
        (None, "Whole city", 0),
        (world["bildung"].pk, "Bildung", 0),
        (world["schulamt"].pk, "Schulamt", 1),
        (world["finanzen"].pk, "Finanzen", 0),  # Steueramt has no snapshots
    ]
    assert choices[2].indented == "\u2003Schulamt"


def test_overview_of_a_direktion(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        view = monitoring.overview(KpiSnapshot.objects.all(), world["bildung"].pk, 12)
    assert view.latest.at == LAST and view.unit == world["bildung"]
    assert view.months == [rules.add_months(dt.date(2025, 1, 1), k) for k in range(12)]
    states = {s.figure.kpi: s for s in view.figures}
    hw = states["hw_out_share"]
    assert hw.values == [0.5 * i for i in range(12, 24)]
    assert (hw.value, hw.year_ago, hw.change) == (11.5, 5.5, 6.0)
    assert (hw.target.value, hw.light) == (Decimal("10"), "red")  # its own ≤ 10, tolerance 1: 1.5 too many
    assert (states["sw_out_share"].light, states["no_contract_share"].light) == ("green", "amber")
    assert states["backlog_cost"].value == Decimal("24000.50")
    assert states["backlog_cost"].change == Decimal("12000.00")
    assert states["backlog_cost"].light == "none"  # no target
    assert states["not_seen_30d"].year_ago is None and states["not_seen_30d"].change is None
    table = view.table()
    assert [r["month"] for r in table[:2]] == [dt.date(2025, 12, 1), dt.date(2025, 11, 1)]  # newest first
    assert table[0]["values"] == [123, 11.5, 4.0, 15.0, Decimal("24000.50"), Decimal("0.00"),
                                  Decimal("0.00"), 4.3, 2]


def test_a_month_counts_its_last_snapshot_and_a_missing_month_is_empty(world):
    view = monitoring.overview(KpiSnapshot.objects.all(), world["schulamt"].pk, 4)
    assert view.months == [dt.date(2025, m, 1) for m in (9, 10, 11, 12)]
    hw = next(s for s in view.figures if s.figure.kpi == "hw_out_share")
    assert hw.values == [3.0, None, None, 9.0]
    assert (hw.value, hw.light) == (9.0, "amber")  # the general ≤ 5 %, tolerance 5
    assert view.latest.at == dt.date(2025, 12, 15)


def test_no_snapshots_no_overview(world):
    assert monitoring.overview(KpiSnapshot.objects.all(), world["finanzen"].pk + 1, 24) is None


# --- the trend chart's geometry ---------------------------------------------------------------------


def test_line_chart_geometry_and_target():
    chart = trend_chart(["a", "b", "c", "d"], [0, 5, None, 10], kind="line", target=7.5, width=480,
                        height=160)
    # axis 0 … 10 in steps of 2.5; plot 140 px high under 20 px for the top label
    assert (chart["axis_top"], chart["plot_height"]) == (10, 140)
    assert [(p.x, p.y) for p in chart["points"]] == [("60", "160"), ("180", "90"), ("420", "20")]
    assert chart["segments"] == ["60,160 180,90"]  # the line breaks at the month without a value
    assert chart["target"]["y"] == "55"  # 160 − 7.5 / 10 · 140
    assert [g["y"] for g in chart["grid"]] == ["160", "125", "90", "55", "20"]


def test_bar_chart_geometry_raises_its_axis_for_the_target():
    chart = trend_chart(["a", "b"], [Decimal("1000"), Decimal("2000")], kind="bars", target=3000, width=400,
                        height=120)
    assert chart["axis_top"] == 3000
    bars = chart["bars"]
    assert [(b.x, b.width) for b in bars] == [("20", "160"), ("220", "160")]
    assert [(b.y, b.height) for b in bars] == [("86.67", "33.33"), ("53.33", "66.67")]
    assert chart["target"]["y"] == "20"


def test_counts_step_by_whole_numbers():
    chart = trend_chart(["a", "b"], [2, 2], whole_steps=True, height=120)
    assert [g["value"] for g in chart["grid"]] == [0, 1, 2] and chart["axis_top"] == 2
    assert [g["value"] for g in trend_chart(["a"], [2])["grid"]] == [0, 0.5, 1, 1.5, 2]  # shares may


def test_month_labels_at_most_six_the_newest_always():
    labels = [f"m{i}" for i in range(24)]
    chart = trend_chart(labels, list(range(24)))
    assert [t["text"] for t in chart["ticks"]] == ["m3", "m7", "m11", "m15", "m19", "m23"]


# --- the page ---------------------------------------------------------------------------------------


@pytest.fixture
def viewer(client, db):
    client.force_login(UserFactory(username="vera", groups=["viewer"]))
    return client


def page(client, language="en", **params):
    client.cookies["django_language"] = language
    return client.get(reverse("lifecycle:monitoring"), params)


def cells(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</section>', html, re.S)
    assert match, element_id
    return match.group(1)


def text_of(html: str, css_class: str) -> str:
    return re.search(rf'class="[^"]*\b{css_class}\b[^"]*">([^<]*)<', html).group(1)


@pytest.mark.parametrize(
    ("language", "hw", "target", "backlog", "change", "age", "month"),
    [
        ("en", "11.5 %", "≤ 10.0 %", "24’000.50", "+6.0 pp", "4.3", "2025-12"),
        ("de", "11,5 %", "≤ 10,0 %", "24’000.50", "+6,0 Pp.", "4,3", "12.2025"),
    ],
)
def test_page_of_a_direktion_in_both_languages(world, viewer, language, hw, target, backlog, change, age,
                                               month):
    response = page(viewer, language, unit=world["bildung"].pk, months=12)
    assert response.status_code == 200
    html = response.content.decode()
    card = cells(html, "kpi-hw_out_share")
    assert text_of(card, "kpi-value") == hw
    assert text_of(card, "target-text") == target
    assert 'id="kpi-hw_out_share" data-light="red"' in html
    assert text_of(cells(html, "kpi-backlog_cost"), "kpi-value") == backlog
    if language == "en":  # the pp of German is the lead's msgstr (tests/po); the numbers are ours
        assert text_of(card, "change-text") == change
    else:
        assert text_of(card, "change-text").startswith("+6,0 ")
    assert text_of(cells(html, "kpi-average_age"), "kpi-value") == age
    # the chart: 12 points, the target line at 10 % on an axis 0 … 12.5
    chart = cells(html, "kpi-hw_out_share")
    assert len(re.findall(r'<circle class="trend-point"', chart)) == 12
    assert 'data-axis-top="15"' in chart  # 11.5 % in round steps of 5
    line_y = float(re.search(r'class="target-line"[^>]*y1="([\d.]+)"', chart).group(1))
    assert line_y == pytest.approx(160 - 10 / 15 * 140, abs=0.01)
    # twelve "x,y" pairs with decimal points in German too: no comma inside a number
    points = re.search(r'<polyline class="trend-line" points="([^"]+)"', chart).group(1)
    assert re.fullmatch(r"[\d.]+,[\d.]+( [\d.]+,[\d.]+){11}", points), points
    # the month table: newest first, numbers right-aligned in the language's format
    table = cells(html, "month-by-month")
    first_row = re.search(r"<tbody><tr>(.*?)</tr>", table, re.S).group(1)
    assert re.findall(r"<td[^>]*>([^<]*)", first_row) == [
        month, "123", hw, {"en": "4.0 %", "de": "4,0 %"}[language],
        {"en": "15.0 %", "de": "15,0 %"}[language], backlog, "0.00", "0.00", age, "2"]
    assert first_row.count('class="num"') == 9
    assert f"?unit={world['bildung'].pk}&amp;months=12" in html  # the report's link


def words(language):
    """The workbook's words in ``language`` as the catalogue has them (until the lead merges
    tests' new msgids, German shows some English: the numbers and layout are what is tested)."""
    def word(text):
        with translation.override(language):
            return gettext(text)
    return word


def test_page_of_the_city_is_the_default(world, viewer):
    html = page(viewer, "de").content.decode()
    assert re.search(r'<option value="" selected>[^<]+</option>', html)  # the whole city, in any language
    assert text_of(cells(html, "kpi-hw_out_share"), "kpi-value") == "20,8 %"
    assert text_of(cells(html, "kpi-backlog_cost"), "kpi-value") == "1’234.50"
    assert text_of(cells(html, "kpi-assets_in_use"), "kpi-value") == "1’023"
    assert len(re.findall(r"<tbody>.*?</tbody>", html, re.S)[0].split("<tr>")) - 1 == 24  # default 24 months


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"months": "abc"}, "months"), ({"months": "0"}, "months"), ({"months": "121"}, "months"),
        ({"months": "-3"}, "months"), ({"months": "9" * 40}, "months"), ({"unit": "x"}, "unit"),
        ({"unit": "0"}, "unit"), ({"unit": "9" * 40}, "unit"), ({"unit": "999999"}, "unit"),
        ({"unit": "1.5"}, "unit"),
    ],
)
def test_bad_parameters_are_400_naming_them(world, viewer, params, named):
    for name in ("lifecycle:monitoring", "lifecycle:monitoring_report"):
        response = viewer.get(reverse(name), params)
        assert response.status_code == 400, (name, params)
        assert response.content.decode().startswith(f"{named}:")


def test_empty_state_says_how_to_take_a_snapshot(viewer):
    html = page(viewer).content.decode()
    empty = cells(html, "monitoring-empty")
    assert "There are no snapshots yet" in empty and "<code>manage.py snapshot</code>" in empty
    assert "download-report" not in html and "monitoring-form" not in html


def test_a_unit_without_snapshots_says_so(world, viewer):
    steueramt = OrgUnit.objects.get(slug="steueramt")
    html = page(viewer, unit=steueramt.pk).content.decode()
    assert "There are no snapshots of this unit yet." in cells(html, "monitoring-empty")
    assert "Steueramt" in html


def test_page_needs_the_permission(world, client):
    assert client.get(reverse("lifecycle:monitoring")).status_code == 302  # to the login
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("lifecycle:monitoring")).status_code == 403


def test_menu_links_the_page(world, viewer):
    assert f'href="{reverse("lifecycle:monitoring")}"' in viewer.get("/").content.decode()


# --- the steering report ----------------------------------------------------------------------------


def chart_xml(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        return [archive.read(n).decode() for n in names]


@pytest.mark.parametrize("language", ["en", "de"])
def test_steering_report_of_a_direktion(world, tmp_path, language):
    path = tmp_path / "report.xlsx"
    steering.write_xlsx(str(path), KpiSnapshot.objects.all(), OrgUnit.objects.all(),
                        world["bildung"].pk, 12, at=dt.date(2026, 1, 15), language=language)
    book = openpyxl.load_workbook(path)
    w = words(language)
    assert book.sheetnames == [w("Summary"), w("Trends"), w("Charts"), w("Plan")]
    summary, trends, _charts, plan = book.worksheets
    assert summary["A1"].value.endswith(": Bildung")
    assert summary["B4"].value == dt.datetime(2025, 12, 1)  # the latest snapshot
    rows = {r[0].value: r for r in summary.iter_rows(min_row=8) if r[0].value}
    hw = rows[w("Out of hardware support (%)")]
    assert [c.value for c in hw[1:]] == [11.5, w("at most"), 10, 1, w("Off target"), 5.5, 6]
    assert hw[5].fill.fgColor.rgb == "FFFFC7CE"  # red
    assert hw[1].number_format == ('0.0" %"' if language == "en" else '[$-407]0.0" %"')
    backlog = rows[w("Backlog (CHF)")]
    assert [c.value for c in backlog[1:]] == [24000.5, None, None, None, w("No target"), 12000.5, 12000]
    assert backlog[1].number_format == '[$-807]"CHF "#,##0.00'
    assert rows[w("Without a contract (%)")][5].value == w("Near target")
    assert rows[w("Out of software support (%)")][5].fill.fgColor.rgb == "FFC6EFCE"  # green
    # Trends: a row per month, oldest first, every figure a column
    assert trends.max_row == 13 and trends.max_column == 17
    assert trends["A2"].value == dt.datetime(2025, 1, 1) and trends["A13"].value == dt.datetime(2025, 12, 1)
    col = {c.value: c.column_letter for c in trends[1]}
    assert [trends[f"{col[w('Out of hardware support (%)')]}{r}"].value for r in (2, 13)] == [6, 11.5]
    assert trends[f"{col[w('Not seen for 30 days')]}2"].value == 3
    # Charts: native line charts over the Trends columns
    charts = chart_xml(path.read_bytes())
    assert len(charts) == 6 and all("<c:lineChart>" in c for c in charts)
    sheet = f"'{trends.title}'" if " " in trends.title else trends.title
    hw_col = col[w("Out of hardware support (%)")]
    assert f"<c:f>{sheet}!${hw_col}$2:${hw_col}$13</c:f>" in charts[0]
    assert f"<c:f>{sheet}!$A$2:$A$13</c:f>" in charts[0]
    assert charts[0].count("<c:ser>") == 5
    # the plan's summary: no assets in this test, so zeros — its shape
    assert plan["B3"].value == dt.datetime(2026, 1, 15)
    labels = [plan.cell(row=r, column=1).value for r in range(1, plan.max_row + 1)]
    assert labels[labels.index(w("Budget year")) + 1] == w("Backlog (overdue)")
    # the backlog and ten budget years, then the total
    assert labels[-1] == w("Total") and len(labels) - labels.index(w("Budget year")) - 2 == 11
    for sheet_ in book.worksheets:
        assert (sheet_.page_setup.orientation, sheet_.page_setup.paperSize) == ("landscape", 9)


def test_report_download(world, viewer):
    response = viewer.get(reverse("lifecycle:monitoring_report"), {"unit": world["bildung"].pk})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="steering-report-bildung-')
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Summary", "Trends", "Charts", "Plan"]
    assert book["Trends"].max_row == 25  # 24 months by default


def test_report_of_a_unit_without_snapshots_has_the_plan_only(world, tmp_path):
    steueramt = OrgUnit.objects.get(slug="steueramt")
    path = tmp_path / "r.xlsx"
    steering.write_xlsx(str(path), KpiSnapshot.objects.all(), OrgUnit.objects.all(), steueramt.pk,
                        24, at=dt.date(2026, 1, 15), language="en")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Plan"]
    assert book["Summary"]["A4"].value == "There are no snapshots of this unit yet."


# --- manage.py steering_report -----------------------------------------------------------------------


def test_steering_report_command(world, tmp_path):
    out = tmp_path / "bildung.xlsx"
    stdout = io.StringIO()
    call_command("steering_report", "--unit", "bildung", "--out", str(out), "--months", "6",
                 "--language", "de", "--at", "2026-01-15", stdout=stdout)
    assert stdout.getvalue().strip() == f"{out}: steering report of bildung (latest snapshot 2025-12-01)"
    book = openpyxl.load_workbook(out)
    trends = book.worksheets[1]
    assert trends.max_row == 7 and trends["A2"].value == dt.datetime(2025, 7, 1)
    assert book.worksheets[0]["B3"].value == "Bildung"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bildung.xlsx"]  # no part file left
    city = tmp_path / "city.xlsx"
    call_command("steering_report", "--out", str(city), stdout=io.StringIO())
    assert openpyxl.load_workbook(city).worksheets[1]["A25"].value == dt.datetime(2025, 12, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--unit", "nowhere"], "--unit: no org unit with the slug 'nowhere'"),
        (["--months", "0"], "--months: 0 is not between 1 and 120 months"),
        (["--months", "x"], "--months: 'x' is not a whole number"),
        (["--language", "fr"], "--language: invalid choice: 'fr'"),
        (["--at", "9999-12-31"], "--at: 9999-12-31 is outside"),
    ],
)
def test_steering_report_command_refuses_bad_usage(world, tmp_path, args, message):
    out = tmp_path / "r.xlsx"
    with pytest.raises(CommandError) as error:
        call_command("steering_report", "--out", str(out), *args, stdout=io.StringIO())
    assert error.value.returncode == 2 and message in str(error.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kind", "value", "en", "de"),
    [
        ("percent", 6.0, "+6.0 pp", "+6,0 "),
        ("percent", -0.04, "±0.0 pp", "±0,0 "),  # the sign of what is shown, not of the float
        ("money", Decimal("-12000.00"), "−12’000.00", "−12’000.00"),
        ("count", 12, "+12", "+12"),
        ("years", 0.30000000000000004, "+0.3", "+0,3"),
        ("count", None, "—", "—"),
    ],
)
def test_change_over_12_months_for_people(kind, value, en, de):
    with translation.override("en"):
        assert views_monitoring.change(kind, value) == en
    with translation.override("de"):
        assert views_monitoring.change(kind, value).startswith(de)


# --- org-unit scopes (inventory.scopes through monitoring.visible) --------------------------------


def test_a_scoped_user_sees_their_units_only(world, client):
    from inventory.models import AccessScope

    lead = UserFactory(username="bildungslead", groups=["viewer"])
    AccessScope.objects.create(user=lead).org_units.set([world["bildung"]])
    client.force_login(lead)
    html = client.get(reverse("lifecycle:monitoring")).content.decode()
    # no city (its figures hold every unit): the page opens on the first unit of the scope
    options = re.findall(r'<option value="(\d*)"[^>]*>([^<]+)</option>', html.split('name="months"')[0])
    assert options == [(str(world["bildung"].pk), "Bildung"), (str(world["schulamt"].pk), "\u2003Schulamt")]
    assert re.search(r'id="unit-name">Bildung<', html)
    assert text_of(cells(html, "kpi-hw_out_share"), "kpi-value") == "11.5 %"
    for outside in (world["finanzen"].pk, world["finanzen"].pk + 1):
        for name in ("lifecycle:monitoring", "lifecycle:monitoring_report"):
            response = client.get(reverse(name), {"unit": outside})
            assert response.status_code == 400 and "Finanzen" not in response.content.decode()
    report = client.get(reverse("lifecycle:monitoring_report"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    assert book.worksheets[0]["B3"].value == "Bildung"
    api = client.get("/api/lifecycle/snapshots/", {"limit": 100}).json()
    assert api["count"] == 24 + 3
    assert {r["org_unit"]["name"] for r in api["results"]} == {"Bildung", "Schulamt"}


def test_default_targets_migration_creates_and_removes_the_general_targets(db):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("lifecycle.migrations.0011_default_kpi_targets")
    general = KpiTarget.objects.filter(org_unit__isnull=True)
    expected = {("hw_out_share", Decimal("5.00"), Decimal("5.00"), "at_most"),
                ("sw_out_share", Decimal("5.00"), Decimal("5.00"), "at_most"),
                ("no_contract_share", Decimal("10.00"), Decimal("10.00"), "at_most")}
    assert set(general.values_list("kpi", "value", "tolerance", "direction")) == expected
    unit = OrgUnitFactory()
    KpiTarget.objects.create(kpi="hw_out_share", org_unit=unit, value=Decimal("2"))
    migration.delete(apps, None)
    assert not general.exists() and KpiTarget.objects.count() == 1  # a unit's own target stays
    migration.create(apps, None)
    migration.create(apps, None)  # twice: still one each
    assert set(general.values_list("kpi", "value", "tolerance", "direction")) == expected
