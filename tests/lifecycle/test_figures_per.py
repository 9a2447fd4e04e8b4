"""``figures.summarize(per=...)``: the figures of a set of assets and per org unit from one grouped
query over the stored answers, equal to ``figures.by`` — and when the stored answers are not
those of the day, the same figures over answers evaluated now (the org-unit page)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import Asset
from lifecycle import figures, state
from tests.api.conftest import make_user
from tests.lifecycle.test_planning import AT, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_per_unit_figures_come_with_the_totals_and_equal_by(world):  # noqa: F811
    state.refresh(at=AT)
    assets = Asset.objects.all()
    with CaptureQueriesContext(connection) as one:
        report = figures.summarize(AT, assets, dates=False, per="org_unit_id")
    assert len(one) == 1  # the check that the answers are AT's is in the same grouped query
    assert report.pop("per") == figures.by("org_unit_id", assets)
    assert report == figures.summarize(AT, assets, dates=False)
    assert sum(u["count"] for u in figures.by("org_unit_id", assets).values()) == report["count"] > 0


def test_answers_of_another_day_are_evaluated_now(world):  # noqa: F811
    state.refresh(at=dt.date(2026, 1, 1))  # stored for another day: the frame path
    report = figures.summarize(AT, Asset.objects.all(), per="org_unit_id")
    assert report == {**figures.totals(figures.answers(AT), AT), "per": figures.by("org_unit_id")}


def test_org_unit_page_reads_the_subtree_once(world, client):  # noqa: F811
    state.refresh()
    client.force_login(make_user("viewer"))
    unit = world["city"]
    with CaptureQueriesContext(connection) as page:
        response = client.get(unit.get_absolute_url())
    assert response.status_code == 200
    grouped = [q["sql"] for q in page.captured_queries if "GROUP BY" in q["sql"]]
    assert len(grouped) == 1, grouped  # figures and the units' figures: one grouped query
    tree = figures.by_unit_tree(Asset.objects.all())
    children = {child.pk: figures_ for child, figures_ in response.context["children"]}
    assert children and all(children[pk] == tree.get(pk) for pk in children)
    assert reverse("inventory:orgunit", args=[unit.pk]) == unit.get_absolute_url()
