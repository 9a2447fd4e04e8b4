"""Failed discovery hosts belong to their assets (collectors.failures): by management address,
else by a name only one asset has (case-insensitive). The asset page lists its recent failures
(date, run link, reason — in German too), the run page and the dashboard link failed hosts to
their assets, each with a fixed number of queries whatever the number of hosts."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from collectors import failures
from collectors.choices import HostOutcome, HostReason, RunStatus
from collectors.models import DiscoveryHost, DiscoveryRun
from inventory.models import Asset
from tests.factories import AssetFactory, UserFactory

BY_ADDRESS = {"10.0.0.1": 1, "10.0.0.3": 3}
BY_NAME = {"sw-a": [1], "sw-b": [2], "sw-c": [3], "twin": [4, 5]}


@pytest.mark.parametrize(
    ("address", "name", "expected"),
    [
        ("10.0.0.1", "whatever", 1),  # the address decides
        ("10.0.0.3", "sw-b", 3),  # an address that is another asset's wins over the name
        ("::ffff:10.0.0.1", "", 1),  # written as IPv4-mapped IPv6
        ("10.0.0.9", "SW-B", 2),  # unknown address: the name, case-insensitive
        ("", "Sw-B", 2),  # no address
        ("sw-b.example.net", "sw-b", 2),  # a DNS name is not a management address
        ("", "twin", None),  # two assets have that name: none of them
        ("10.0.0.9", "unknown", None),
        ("", "", None),
    ],
)
def test_owner_rule(address, name, expected):
    assert failures.owner(address, name, BY_ADDRESS, BY_NAME) == expected


@pytest.fixture
def world(db):
    """Assets a (10.0.0.1), b (no address), c (10.0.0.3) and two named "twin"; one run whose
    hosts: a timed out, "SW-B" (no address) failed to log in, "sw-b" at c's address was unreachable,
    twin failed, a stranger failed, c succeeded."""
    a = AssetFactory(name="sw-a", management_address="10.0.0.1")
    b = AssetFactory(name="sw-b", management_address=None)
    c = AssetFactory(name="sw-c", management_address="10.0.0.3")
    AssetFactory(name="twin")
    AssetFactory(name="twin")
    started = timezone.now() - dt.timedelta(hours=1)
    run = DiscoveryRun.objects.create(started=started, status=RunStatus.PARTIAL, source="database")
    older = DiscoveryRun.objects.create(
        started=started - dt.timedelta(days=1), status=RunStatus.PARTIAL, source="database"
    )

    def host(run, name, address, reason=HostReason.TIMEOUT, **kw):
        return DiscoveryHost.objects.create(
            run=run, name=name, address=address, outcome=HostOutcome.FAILED, reason=reason, **kw
        )

    hosts = {
        "a": host(run, "a-by-address", "10.0.0.1", HostReason.TIMEOUT),
        "b": host(run, "SW-B", "", HostReason.AUTH),
        "at-c": host(run, "sw-b", "10.0.0.3", HostReason.UNREACHABLE),
        "twin": host(run, "twin", ""),
        "stranger": host(run, "stranger", "10.9.9.9"),
        "a-old": host(older, "sw-a", "", HostReason.AUTH),
    }
    DiscoveryHost.objects.create(
        run=run, name="sw-c", address="10.0.0.3", outcome=HostOutcome.SUCCESS, asset=c
    )
    return {"a": a, "b": b, "c": c, "run": run, "older": older, "hosts": hosts}


def test_failures_of_an_asset(world):
    hosts = world["hosts"]
    assert failures.failures_of(world["a"]) == [hosts["a"], hosts["a-old"]]  # newest first
    assert failures.failures_of(world["b"]) == [hosts["b"]]  # not "sw-b" at c's address
    assert failures.failures_of(world["c"]) == [hosts["at-c"]]  # its success is no failure
    assert failures.failures_of(world["a"], limit=1) == [hosts["a"]]


def test_owners_of_a_page_of_hosts(world, django_assert_max_num_queries):
    hosts = list(world["run"].hosts.all())
    with django_assert_max_num_queries(2):
        found = failures.owners(hosts)
    names = {h.name: found[h.pk].name for h in hosts if h.pk in found}
    assert names == {"a-by-address": "sw-a", "SW-B": "sw-b", "sw-b": "sw-c"}  # no twin, no stranger


def page(client, url, language):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def failure_rows(html: str) -> list[tuple[str, str, str]]:
    """(run link, run text, reason) of each row of the asset page's failures."""
    card = html[html.index('id="discovery-failures"') : html.index('id="discovery-history"')]
    return re.findall(
        r'<a href="([^"]+)" class="failure-run">([^<]+)</a></td>'
        r'<td><span class="failure-reason">([^<]+)</span>',
        card,
    )


@pytest.mark.parametrize(
    ("language", "heading", "run_word", "reasons"),
    [
        (
            "de",
            "Letzte Erkennungsfehler",
            "Erkennungslauf",
            ["Zeitüberschreitung", "Authentifizierung fehlgeschlagen"],
        ),
        ("en", "Recent discovery failures", "Discovery run", ["Timeout", "Authentication failed"]),
    ],
)
def test_asset_page_lists_its_failures(client, world, language, heading, run_word, reasons):
    html = page(client, world["a"].get_absolute_url(), language)
    assert heading in html
    run, older = world["run"], world["older"]
    assert failure_rows(html) == [
        (f"/discovery/runs/{run.pk}/", f"{run_word} {run.pk}", reasons[0]),
        (f"/discovery/runs/{older.pk}/", f"{run_word} {older.pk}", reasons[1]),
    ]


def test_asset_page_by_name_and_without_failures(client, world):
    html = page(client, world["b"].get_absolute_url(), "de")
    run = world["run"]
    assert failure_rows(html) == [
        (run.get_absolute_url(), f"Erkennungslauf {run.pk}", "Authentifizierung fehlgeschlagen")
    ]
    twin = Asset.objects.filter(name="twin").first()  # two assets have the host's name: neither
    assert 'id="discovery-failures"' not in page(client, twin.get_absolute_url(), "de")
    lonely = AssetFactory(name="lonely")
    assert 'id="discovery-failures"' not in page(client, lonely.get_absolute_url(), "de")


def test_asset_page_queries_do_not_grow_with_failures(client, world):
    client.force_login(UserFactory(is_superuser=True))
    url = world["a"].get_absolute_url()
    client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(8):
        run = DiscoveryRun.objects.create(started=timezone.now(), status=RunStatus.FAILED, source="database")
        DiscoveryHost.objects.create(
            run=run, name=f"x{i}", address="10.0.0.1", outcome=HostOutcome.FAILED, reason=HostReason.TIMEOUT
        )
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(failure_rows(html)) == failures.RECENT
    assert len(many) == len(few)


def host_links(html: str) -> dict[str, str]:
    """Host name -> the asset page its row links to, on the run page."""
    links = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html[html.index('id="run-hosts"') :], re.S):
        name = re.search(r"<td[^>]*>([^<]+)</td>", row)  # the first column: the host
        asset = re.search(r'<a href="([^"]+)" class="host-asset">', row)
        if name:
            links[name.group(1)] = asset.group(1) if asset else None
    return links


def test_run_page_links_failed_hosts_to_their_assets(client, world):
    a, b, c = world["a"], world["b"], world["c"]
    client.force_login(UserFactory(is_superuser=True))
    url = world["run"].get_absolute_url()
    client.get(url)  # warm caches (content types)
    with CaptureQueriesContext(connection) as before:
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert host_links(html) == {
        "a-by-address": a.get_absolute_url(),
        "SW-B": b.get_absolute_url(),
        "sw-b": c.get_absolute_url(),
        "sw-c": c.get_absolute_url(),  # recorded by the sync
        "twin": None,
        "stranger": None,
    }
    assert f"<title>Erkennungslauf {world['run'].pk}" in html
    for i in range(10):
        AssetFactory(name=f"more-{i}", management_address=f"10.1.0.{i + 1}")
        DiscoveryHost.objects.create(
            run=world["run"], name=f"more-{i}", address=f"10.1.0.{i + 1}", outcome=HostOutcome.FAILED
        )
    with CaptureQueriesContext(connection) as after:
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert host_links(html)["more-3"] == Asset.objects.get(name="more-3").get_absolute_url()
    assert len(after) == len(before)


def test_hosts_list_links_failed_hosts_too(client, world):
    html = page(client, "/discovery/hosts/", "de")
    assert f'<a href="{world["a"].get_absolute_url()}" class="host-asset">sw-a</a>' in html
    assert f'<a href="{world["b"].get_absolute_url()}" class="host-asset">sw-b</a>' in html


def test_dashboard_links_failures_of_the_last_run(client, world):
    html = page(client, "/", "de")
    card = html[html.index('id="run-failures"') :]
    card = card[: card.index("</table>")]
    assert f'<a href="{world["a"].get_absolute_url()}">a-by-address</a>' in card
    assert f'<a href="{world["c"].get_absolute_url()}">sw-b</a>' in card
    assert "<td>stranger</td>" in card and "Zeitüberschreitung" in card


def test_dashboard_failures_cost_the_same_queries_for_more_hosts(client, world):
    """Failed hosts that were synced once (their ``asset`` set) come with their asset, not with a
    query each."""
    from lifecycle import state

    def add(names):
        for name in names:
            known = AssetFactory(name=name)
            DiscoveryHost.objects.create(run=world["run"], name=name, address="10.2.0.1",
                                         outcome=HostOutcome.FAILED, asset=known)
        state.refresh(at=timezone.localdate())  # the figures the same way both times

    add(["synced-0"])
    page(client, "/", "de")
    with CaptureQueriesContext(connection) as before:
        client.get("/", HTTP_ACCEPT_LANGUAGE="de")
    add([f"synced-{i}" for i in range(1, 7)])
    client.get("/", HTTP_ACCEPT_LANGUAGE="de")  # the figures of the new state, cached as before
    with CaptureQueriesContext(connection) as after:
        html = client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert f'<a href="{Asset.objects.get(name="synced-4").get_absolute_url()}">synced-4</a>' in html
    assert len(after) == len(before), "\n".join(q["sql"][:160] for q in after.captured_queries)
    assert len(world["run"].hosts.filter(asset__isnull=False, outcome=HostOutcome.FAILED)) == 7
