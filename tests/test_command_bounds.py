"""Issue #14 for the management commands: a value a person can get wrong ends as bad usage — exit
status 2 and a message naming the option (or the file) — never a traceback, and nothing is
written: no row in any table, no file, no part file. Valid values at the bounds still work.

``call_command`` gives the ``CommandError`` (its ``returncode`` is what ``manage.py`` exits
with); a few cases run ``manage.py`` for real to see argparse's own exit status and stderr.
"""

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from collectors.models import DiscoverySchedule, HostKey
from inventory.models import Token
from lifecycle.management.commands import export_plan
from tests.factories import AssetFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
HUGE = str(10**30)
PLAN = ["export_plan", "--format", "csv", "--out", "-"]
TOKEN = ["create_token", "erika"]
ADD = ["schedules", "add", "s"]
KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"

# the one range of dates every --at takes (werterhalt.options.FIRST_DAY … LAST_DAY)
DATES = [
    ("0001-01-01", "--at: 0001-01-01 is outside 1900-01-01 … 9000-12-31"),
    ("1899-12-31", "--at: 1899-12-31 is outside 1900-01-01 … 9000-12-31"),
    ("9001-01-01", "--at: 9001-01-01 is outside 1900-01-01 … 9000-12-31"),
    ("9999-12-31", "--at: 9999-12-31 is outside 1900-01-01 … 9000-12-31"),
    ("2026-02-30", "--at: '2026-02-30' is not a date (YYYY-MM-DD)"),
    ("notadate", "--at: 'notadate' is not a date (YYYY-MM-DD)"),
    ("", "--at: '' is not a date (YYYY-MM-DD)"),
]
AT_CASES = [
    ([*command, "--at", value], fragment)
    for command in (
        ["lifecycle_status", "--json"], ["lifecycle_refresh"], PLAN, ["export_opendata", "{tmp}/od"]
    )
    for value, fragment in DATES
]

# {tmp} is a folder with a file "file.txt", an inventory folder "inv" whose groups.yaml is a folder
# and a known_hosts file "bad_known_hosts" whose second line has a port that is not a number
CASES = AT_CASES + [
    # export_plan: money, years, output files, org units
    ([*PLAN, "--budget", "nan"], "--budget: 'nan' is not an amount in CHF (not a finite number)"),
    ([*PLAN, "--budget", "inf"], "--budget: 'inf' is not an amount in CHF (not a finite number)"),
    ([*PLAN, "--budget=-inf"], "--budget: '-inf' is not an amount in CHF (not a finite number)"),
    ([*PLAN, "--budget", "-5"], "--budget: '-5': an amount cannot be negative"),
    ([*PLAN, "--budget", "1e400"], "--budget: 1e400 is more than CHF 999999999999.99"),
    ([*PLAN, "--budget", "1'000'000'000'000"], "--budget: 1'000'000'000'000 is more than CHF"),
    ([*PLAN, "--budget", "abc"], "--budget: 'abc' is not an amount in CHF"),
    ([*PLAN, "--budget", "0x10"], "--budget: '0x10' is not an amount in CHF"),
    ([*PLAN, "--horizon", "0"], "--horizon: 0 is not between 1 and 50 years"),
    ([*PLAN, "--horizon", "-1"], "--horizon: -1 is not between 1 and 50 years"),
    ([*PLAN, "--horizon", "51"], "--horizon: 51 is not between 1 and 50 years"),
    ([*PLAN, "--horizon", HUGE], f"--horizon: {HUGE} is not between 1 and 50 years"),
    ([*PLAN, "--horizon", "9" * 5000], "--horizon: '99999999999999999999999999999999999999"),
    ([*PLAN, "--horizon", "ten"], "--horizon: 'ten' is not a whole number"),
    ([*PLAN, "--extend-years", "-1"], "--extend-years: -1 is not between 0 and 20"),
    ([*PLAN, "--extend-years", "21"], "--extend-years: 21 is not between 0 and 20"),
    ([*PLAN, "--extend-years", HUGE], "--extend-years: 1000000000000000000000000000000 is not between"),
    ([*PLAN, "--org-unit", "nowhere"], "--org-unit: no org unit with the slug nowhere"),
    ([*PLAN, "--site", "nowhere"], "--site: no site with the slug nowhere"),
    ([*PLAN, "--manufacturer", "nobody"], "--manufacturer: no manufacturer with the slug nobody"),
    ([*PLAN, "--category", "toaster"], "argument --category: invalid choice: 'toaster'"),
    ([*PLAN, "--status", "fine"], "argument --status: invalid choice: 'fine'"),
    ([*PLAN, "--first-period", "half"], "argument --first-period: invalid choice: 'half'"),
    ([*PLAN, "--language", "fr"], "argument --language: invalid choice: 'fr'"),
    ([*PLAN, "--budget-file", "{tmp}/missing.csv"], "--budget-file: {tmp}/missing.csv: no such file"),
    ([*PLAN, "--budget-file", "{tmp}"], "--budget-file: {tmp}: is a folder, not a file"),
    ([*PLAN, "--budget-file", "{tmp}/file.txt"], "--budget-file: {tmp}/file.txt, line 1: "),
    ([*PLAN, "--budget", "5", "--budget-file", "{tmp}/file.txt"], "--budget-file: give either --budget or"),
    (["export_plan", "--format", "csv", "--out", "{tmp}/missing/plan.csv"],
     "--out: {tmp}/missing/plan.csv: no folder {tmp}/missing"),
    (["export_plan", "--format", "xlsx", "--out", "{tmp}/missing/plan.xlsx"],
     "--out: {tmp}/missing/plan.xlsx: no folder {tmp}/missing"),
    (["export_plan", "--format", "json", "--out", "{tmp}"], "--out: {tmp}: is a folder, not a file"),
    (["export_plan", "--format", "json", "--out", "{tmp}/file.txt/plan.json"],
     "--out: {tmp}/file.txt/plan.json: {tmp}/file.txt is not a folder"),
    (["export_plan", "--format", "csv", "--out", ""], "--out: '' is not a file name"),
    (["export_plan", "--format", "xlsx", "--out", "-"], "--out -: an XLSX workbook needs a file name"),
    # lifecycle imports: the file
    (["import_lifecycle", "endoflife", "{tmp}/missing.json", "--platform", "eos"],
     "file: {tmp}/missing.json: no such file"),
    (["import_lifecycle", "hardware-csv", "{tmp}"], "file: {tmp}: is a folder, not a file"),
    (["import_lifecycle", "cisco-eox", ""], "file: '' is not a file name"),
    (["import_lifecycle", "endoflife", "{tmp}/file.txt"], "endoflife needs --platform SLUG"),
    (["import_lifecycle", "endoflife", "{tmp}/file.txt", "--hardware"], "--hardware needs --manufacturer"),
    (["load_demo_lifecycle", "--bogus"], "unrecognized arguments: --bogus"),
    # inventory
    ([*TOKEN, "--expires-days", "0"], "--expires-days: 0 is not between 1 and 36500 days"),
    ([*TOKEN, "--expires-days", "-1"], "--expires-days: -1 is not between 1 and 36500 days"),
    ([*TOKEN, "--expires-days", "36501"], "--expires-days: 36501 is not between 1 and 36500"),
    ([*TOKEN, "--expires-days", HUGE], f"--expires-days: {HUGE} is not between 1 and 36500"),
    ([*TOKEN, "--expires-days", "a week"], "--expires-days: 'a week' is not a whole number"),
    ([*TOKEN, "--description", "x" * 201],
     "--description: Ensure this value has at most 200 characters (it has 201)."),
    ([*TOKEN, "--allow", "10.0.0.0/33"], "--allow: “10.0.0.0/33” is not an address or prefix"),
    ([*TOKEN, "--allow", ",".join(f"10.0.{i}.0/24" for i in range(100))],
     "--allow: 1388 characters as prefixes; at most 1000"),
    (["create_token", "nobody"], "No user named “nobody”."),
    (["export_assets", "{tmp}/missing/a.csv"], "file: {tmp}/missing/a.csv: no folder {tmp}/missing"),
    (["export_assets", "{tmp}"], "file: {tmp}: is a folder, not a file"),
    (["export_assets", ""], "file: '' is not a file name"),
    (["import_assets", "{tmp}/missing.csv"], "file: {tmp}/missing.csv: no such file"),
    (["import_assets", "{tmp}"], "file: {tmp}: is a folder, not a file"),
    (["load_demo", "--user", "no spaces!"], "--user: Enter a valid username."),
    (["load_demo", "--user", "u" * 151], "--user: Ensure this value has at most 150 characters"),
    (["load_demo", "--url", "ftp://example.org/"], "--url: 'ftp://example.org/' is not an http:// or https://"),
    # discovery
    (["discover", "--workers", "0"], "--workers: 0 is not between 1 and 500"),
    (["discover", "--workers", "501"], "--workers: 501 is not between 1 and 500"),
    (["discover", "--workers", HUGE], f"--workers: {HUGE} is not between 1 and 500"),
    (["discover", "--workers", "many"], "--workers: 'many' is not a whole number"),
    (["discover", "--depth", "0"], "--depth: 0 is not between 1 and 100 hops"),
    (["discover", "--depth", HUGE], f"--depth: {HUGE} is not between 1 and 100 hops"),
    (["discover", "--secrets", "{tmp}/missing.yaml"], "--secrets: {tmp}/missing.yaml: no such file"),
    (["discover", "--secrets", "{tmp}"], "--secrets: {tmp}: is a folder, not a file"),
    (["discover", "--inventory", "{tmp}/none"], "--inventory: {tmp}/none is not a Nornir inventory folder"),
    (["discover", "--inventory", "{tmp}/inv"], "--inventory: {tmp}/inv/groups.yaml: Is a directory"),
    (["discover", "--allow", "10.0.0.0/33"], "--allow: '10.0.0.0/33' is not an IP prefix"),
    (["hostkeys", "accept", "10.0.0.1", "--port", "0"], "--port: 0 is not between 1 and 65535"),
    (["hostkeys", "accept", "10.0.0.1", "--port", "65536"], "--port: 65536 is not between 1 and 65535"),
    (["hostkeys", "accept", "10.0.0.1", "--port", HUGE], f"--port: {HUGE} is not between 1 and 65535"),
    (["hostkeys", "accept"], "accept needs an address"),
    (["hostkeys", "accept", "10.9.9.9"], "no host key stored for 10.9.9.9:22"),
    (["hostkeys", "import"], "import needs a file"),
    (["hostkeys", "import", "{tmp}/missing"], "{tmp}/missing: no such file"),
    (["hostkeys", "import", "{tmp}"], "{tmp}: is a folder, not a file"),
    (["lab", "status", "--access", "0"], "--access: 0 is not between 1 and 5000"),
    (["lab", "status", "--access", "5001"], "--access: 5001 is not between 1 and 5000"),
    (["lab", "status", "--access", HUGE], f"--access: {HUGE} is not between 1 and 5000"),
    (["lab", "status", "--port", "0"], "--port: 0 is not between 1 and 65535"),
    (["lab", "status", "--port", "65536"], "--port: 65536 is not between 1 and 65535"),
    (["lab", "status", "--bmc-port", HUGE], f"--bmc-port: {HUGE} is not between 1 and 65535"),
    (["lab", "status", "--dir", "{tmp}/file.txt"], "--dir: {tmp}/file.txt: is a file, not a folder"),
    (["lab", "start", "--dir", "{tmp}/file.txt/lab"], "--dir: {tmp}/file.txt/lab: {tmp}/file.txt is a file"),
    ([*ADD, "--interval", "0"], "--interval: 0 is not between 1 and 527040 minutes"),
    ([*ADD, "--interval", "-1"], "--interval: -1 is not between 1 and 527040 minutes"),
    ([*ADD, "--interval", "527041"], "--interval: 527041 is not between 1 and 527040"),
    ([*ADD, "--interval", HUGE], f"--interval: {HUGE} is not between 1 and 527040"),
    ([*ADD, "--interval", "hourly"], "--interval: 'hourly' is not a whole number"),
    ([*ADD, "--interval", "5", "--shard-size", "0"],
     "--shard-size: 0 is not between 1 and 10000 hosts"),
    ([*ADD, "--interval", "5", "--shard-size", "10001"],
     "--shard-size: 10001 is not between 1 and 10000 hosts"),
    ([*ADD, "--cron", "61 * * * *"], "--cron: '61 * * * *' is not a valid cron expression"),
    ([*ADD, "--cron", "1 2 3"], "--cron: '1 2 3' has 3 fields"),
    ([*ADD, "--cron", "*/0 * * * *"], "--cron: '*/0 * * * *' is not a valid cron expression"),
    ([*ADD, "--cron", "0 0 31 2 *"], "--cron: '0 0 31 2 *' never fires"),
    ([*ADD, "--interval", "5", "--cron", "* * * * *"],
     "--cron: Give either an interval or a cron expression, not both."),
    (ADD, "--interval: Give an interval or a cron expression."),
    ([*ADD, "--interval", "5", "--inventory", "/etc"], "--inventory: must be a folder under"),
    ([*ADD, "--interval", "5", "--filter", "bogus=1"], "--filter: unknown filter bogus"),
    ([*ADD, "--interval", "5", "--filter", "q=sw", "--inventory", "{tmp}/root"],
     "--filter: A schedule takes its hosts from a folder or from a filter, not both."),
    (["schedules", "add", "", "--interval", "5"], "add needs a NAME"),
    (["schedules", "add", "n" * 101, "--interval", "5"], "NAME: Ensure this value has at most 100"),
    (["schedules", "run", "nope"], "no schedule named 'nope'"),
]


@pytest.fixture
def tmp(tmp_path, settings):
    """The folder the cases name as {tmp}; the rows and the files there before a case."""
    settings.DISCOVERY_INVENTORY_ROOT = str(tmp_path / "root")
    settings.DISCOVERY_ALLOW = []
    (tmp_path / "root").mkdir()
    (tmp_path / "file.txt").write_text("a file\n", encoding="utf-8")
    (tmp_path / "inv" / "groups.yaml").mkdir(parents=True)
    (tmp_path / "inv" / "hosts.yaml").write_text("r1: {hostname: 127.0.0.1, platform: ios}\n")
    UserFactory(username="erika")
    return tmp_path


def rows() -> dict[str, int]:
    """The rows of every table (unmanaged models, such as django-rq's queue list, have none)."""
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.managed}


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def refused(name: str, *args: str) -> CommandError:
    """The usage error (exit status 2) the command ends with."""
    with pytest.raises(CommandError) as info:
        call_command(name, *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.returncode == 2, str(info.value)
    return info.value


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, fragment", CASES, ids=[" ".join(a)[:60] or "''" for a, _ in CASES]
)
def test_a_bad_value_is_exit_2_naming_it_and_writes_nothing(tmp, args, fragment):
    args = [a.replace("{tmp}", str(tmp)) for a in args]
    before, listing = rows(), files(tmp)

    error = refused(*args)

    assert fragment.replace("{tmp}", str(tmp)) in str(error)
    assert "Traceback" not in str(error)
    assert rows() == before
    assert files(tmp) == listing


@pytest.mark.django_db
def test_a_known_hosts_file_that_fails_half_way_stores_no_key(tmp):
    known = tmp / "known_hosts"
    known.write_text(f"a.example ssh-ed25519 {KEY}\n[10.0.0.1]:ssh ssh-ed25519 {KEY}\n", encoding="utf-8")

    with pytest.raises(CommandError, match="not a known_hosts file .*; nothing stored") as info:
        call_command("hostkeys", "import", str(known), stdout=io.StringIO())

    assert info.value.returncode == 1  # the file's content, not the usage
    assert HostKey.objects.count() == 0


@pytest.mark.django_db
def test_a_plan_that_fails_while_written_leaves_no_file(tmp, monkeypatch):
    def disk_full(plan, handle):
        handle.write("name,replace_by\nhalf")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(export_plan.WRITERS, "csv", disk_full)
    out = tmp / "plan.csv"

    with pytest.raises(CommandError, match="No space left on device") as info:
        call_command("export_plan", "--format", "csv", "--out", str(out), stderr=io.StringIO())

    assert f"--out: {out}" in str(info.value)
    assert not out.exists() and not (tmp / ".plan.csv.part").exists()


# --- valid values, at the bounds: what they did before ---------------------------------------------

@pytest.mark.django_db
def test_lifecycle_status_on_an_empty_inventory():
    out = io.StringIO()

    call_command("lifecycle_status", "--at", "2026-11-27", "--json", stdout=out)

    data = json.loads(out.getvalue())
    assert data["at"] == "2026-11-27" and data["assets"] == 0 and data["count"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize("at", ["1900-01-01", "9000-12-31"])
def test_the_first_and_the_last_day_plan_and_refresh(at, tmp_path):
    AssetFactory(name="sw1")
    AssetFactory(name="sw2", purchase_date=dt.date(8999, 1, 1), in_service_date=dt.date(8999, 2, 1))
    out, err = io.StringIO(), io.StringIO()

    call_command("lifecycle_refresh", "--at", at, stdout=out)
    call_command("lifecycle_status", "--at", at, "--json", stdout=(status := io.StringIO()))
    plan = tmp_path / "plan.xlsx"
    call_command("export_plan", "--format", "xlsx", "--out", str(plan), "--at", at, "--horizon", "50",
                 "--extend-years", "20", "--budget", "999'999'999'999.99", stderr=err)

    assert f"Lifecycle of 2 assets stored as of {at}" in out.getvalue()
    assert json.loads(status.getvalue())["count"] == 2
    assert f"Plan as of {at}: 2 assets in use" in err.getvalue()
    assert files(tmp_path) == ["plan.xlsx"]  # no part file beside it


@pytest.mark.django_db
def test_budget_in_the_ways_people_write_it(tmp_path):
    for budget in ["2500", "2'500", "2’500.00", "2_500", "0", "999999999999.99"]:
        err = io.StringIO()
        call_command("export_plan", "--format", "json", "--out", "-", "--budget", budget,
                     stdout=io.StringIO(), stderr=err)
        assert "Plan as of" in err.getvalue()


@pytest.mark.django_db
def test_bounds_of_tokens_and_schedules_are_taken(tmp):
    call_command("create_token", "erika", "--expires-days", "36500", "--description", "d" * 200,
                 stdout=io.StringIO(), stderr=io.StringIO())
    call_command("schedules", "add", "yearly", "--interval", "527040", "--shard-size", "10000",
                 stdout=io.StringIO())
    call_command("schedules", "add", "leap-day", "--cron", "0 0 29 2 *", "--shard-size", "1",
                 stdout=io.StringIO())

    token = Token.objects.get()
    assert len(token.description) == 200 and token.expires.year >= dt.date.today().year + 99
    shards = dict(DiscoverySchedule.objects.values_list("name", "shard_size"))
    assert shards == {"yearly": 10000, "leap-day": 1}


@pytest.mark.django_db
def test_exported_assets_replace_the_file_whole(tmp_path):
    AssetFactory(name="sw1")
    out = tmp_path / "assets.csv"
    out.write_text("old\n", encoding="utf-8")

    call_command("export_assets", str(out), stdout=io.StringIO())

    assert out.read_text(encoding="utf-8").splitlines()[1].startswith("sw1,")
    assert files(tmp_path) == ["assets.csv"]


# --- for real: manage.py's exit status and stderr ---------------------------------------------------

@pytest.mark.parametrize(
    "args, fragment",
    [
        ([*PLAN, "--budget", "nan"], "error: argument --budget: 'nan' is not an amount in CHF"),
        (["lifecycle_status", "--at", "9999-12-31"], "error: argument --at: 9999-12-31 is outside"),
        (["import_assets", "{tmp}/missing.csv"], "error: argument file: {tmp}/missing.csv: no such file"),
        ([*ADD, "--cron", "0 0 31 2 *"], "--cron: '0 0 31 2 *' never fires"),
    ],
)
def test_manage_py_exits_2_without_a_traceback(args, fragment, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    env.update(SECRET_KEY="test-subprocess-key", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    if args[0] == "schedules":  # it reaches the database: a migrated one
        migrated = subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)
        assert migrated.returncode == 0, migrated.stderr
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]

    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)

    assert done.returncode == 2, done.stderr
    assert fragment.replace("{tmp}", str(tmp_path)) in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
