"""The management commands import_assets and export_assets, through call_command and for real."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from inventory import assets_csv
from inventory.choices import ActorKind
from inventory.models import Asset, ObjectChange, Tag
from tests.factories import AssetFactory

ROOT = Path(__file__).resolve().parents[2]

GOOD = (
    "name,serial,manufacturer,model,site,purchase_date,purchase_cost,tags\n"
    "sth-acc-sw01,FOC0001,Cisco Systems,C9300-48P,stadthaus,2021-03-15,1'250.00,core\n"
    "sth-acc-sw02,FOC0002,cisco,C9300-48P,Stadthaus,15.03.2021,,\n"
)
BAD = (
    "name,serial,manufacturer,site,status,purchase_date,management_address\n"
    "sth-acc-sw01,FOC0001,cisco,stadthaus,active,,\n"  # 2: fine
    "bad-date,S3,cisco,stadthaus,active,2021-13-01,\n"  # 3
    "bad-maker,S4,Nokla,stadthaus,active,,\n"  # 4
    "bad-site,S5,cisco,Mars,active,,\n"  # 5
    "bad-status,S6,cisco,stadthaus,broken,,\n"  # 6
    "bad-ip,S7,cisco,stadthaus,active,,10.0.0.300\n"  # 7
)
BAD_LINES = [
    "line 3, column purchase_date", "line 4, column manufacturer", "line 5, column site",
    "line 6, column status", "line 7, column management_address",
]


def counts() -> tuple[int, int, int]:
    return Asset.objects.count(), Tag.objects.count(), ObjectChange.objects.count()


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def write(tmp_path):
    def write(text: str, name: str = "assets.csv") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


# --- call_command ---------------------------------------------------------------------------------

def test_import_good_file(catalogue, write):
    path = write(GOOD)

    out, err = run("import_assets", str(path))

    assert "assets.csv: 2 were created, 0 were updated, 0 unchanged" in out
    assert err == ""
    assert set(Asset.objects.values_list("name", flat=True)) == {"sth-acc-sw01", "sth-acc-sw02"}
    changes = ObjectChange.objects.filter(content_type__model="asset")
    assert {(c.actor_kind, c.actor) for c in changes} == {(ActorKind.IMPORT, "import assets.csv")}

    out, _ = run("import_assets", str(path))
    assert "0 were created, 0 were updated, 2 unchanged" in out


def test_import_bad_file_lists_every_error_and_fails_with_exit_code_1(catalogue, write):
    path = write(BAD, "bad.csv")
    before = counts()
    err = io.StringIO()

    with pytest.raises(CommandError) as info:
        call_command("import_assets", str(path), stdout=io.StringIO(), stderr=err)

    assert info.value.returncode == 1
    assert "5 error(s); nothing was imported" in str(info.value)
    lines = err.getvalue().splitlines()
    assert [re.match(r"bad\.csv: (line \d+, column \w+): \S", line)[1] for line in lines] == BAD_LINES
    assert "“2021-13-01”" in lines[0] and "“broken”" in lines[3]
    assert counts() == before


def test_dry_run_reports_and_writes_nothing(catalogue, write):
    path = write(GOOD)
    before = counts()

    out, _ = run("import_assets", str(path), "--dry-run")

    assert "2 would be created, 0 would be updated, 0 unchanged" in out
    assert "dry run" in out
    assert counts() == before


def test_missing_file_is_a_clear_error(db, tmp_path):
    missing = tmp_path / "nowhere.csv"

    with pytest.raises(CommandError, match=r"nowhere\.csv: no such file"):
        run("import_assets", str(missing))


def test_file_that_is_not_utf8_is_a_clear_error(db, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,site\nsw1,Werkhof Süd\n".encode("latin-1"))

    with pytest.raises(CommandError, match="not UTF-8"):
        run("import_assets", str(path))
    assert Asset.objects.count() == 0


def test_import_with_bom_and_semicolons_from_a_file(catalogue, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffname;serial;manufacturer;site\r\nsw1;S1;cisco;stadthaus\r\n".encode())

    out, _ = run("import_assets", str(path))

    assert "1 were created" in out
    assert Asset.objects.get().serial == "S1"


def test_export_to_a_file_reimports_unchanged(catalogue, tmp_path):
    AssetFactory.create_batch(3, site=None)
    path = tmp_path / "out" / "export.csv"
    path.parent.mkdir()
    expected = io.StringIO()
    assets_csv.export_csv(expected)

    out, _ = run("export_assets", str(path))

    assert f"3 assets written to {path}" in out
    assert path.read_text(encoding="utf-8") == expected.getvalue()
    assert not list(path.parent.glob(".*.part"))
    out, _ = run("import_assets", str(path))
    assert "0 were created, 0 were updated, 3 unchanged" in out


def test_export_to_an_unwritable_place_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="export.csv"):
        run("export_assets", str(tmp_path / "no-such-dir" / "export.csv"))


def test_export_to_stdout_goes_to_the_commands_stdout(catalogue):
    AssetFactory(name="sw-stdout", site=None)

    out, _ = run("export_assets", "-")

    assert out.startswith(",".join(assets_csv.EXPORT_COLUMNS) + "\n")
    assert "\nsw-stdout," in out


def test_export_to_stdout_is_the_csv(catalogue, capsys):
    AssetFactory(name="sw-stdout", site=None)
    expected = io.StringIO()
    assets_csv.export_csv(expected)

    call_command("export_assets", "-")

    assert capsys.readouterr().out == expected.getvalue()


def _many_rows(n: int) -> str:
    return "name,serial,manufacturer,status\n" + "".join(
        f"host{i:05d},SN{i:07d},cisco,active\n" for i in range(n))


def test_progress_line_on_stderr_for_a_long_file(catalogue, write):
    path = write(_many_rows(5000), "long.csv")

    out, err = run("import_assets", str(path))

    assert "validated 5,000/5,000 rows" in err.splitlines()
    assert "created 5,000/5,000 rows" in err.splitlines()
    assert "5000 were created" in out
    assert Asset.objects.count() == 5000


def test_no_progress_lines_for_a_short_file(catalogue, write):
    _, err = run("import_assets", str(write(_many_rows(50))))

    assert err == ""
    assert Asset.objects.count() == 50


# --- a real process: exit codes and stderr ---------------------------------------------------------

@pytest.fixture(scope="module")
def real_db(tmp_path_factory):
    """A migrated SQLite database of its own, for manage.py run as a separate process."""
    db_file = tmp_path_factory.mktemp("realdb") / "werterhalt.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    env.update(SECRET_KEY="test-subprocess-key", DATABASE_URL=f"sqlite:///{db_file}")
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return env


def manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


REAL_BAD = (  # needs no catalogue: the database of the real process is empty
    "name,status,purchase_date,in_service_date,management_address,purchase_cost\n"
    "sth-acc-sw01,active,,,10.0.0.1,\n"  # 2: fine
    "bad-date,active,2021-13-01,,,\n"  # 3
    "bad-status,broken,,,,\n"  # 4
    "bad-ip,active,,,10.0.0.300,\n"  # 5
    "bad-order,active,2021-05-01,2021-04-01,,\n"  # 6
    "bad-cost,active,,,,-1\n"  # 7
    ",active,,,,\n"  # 8
)


def test_real_process_exit_codes_and_error_lines(real_db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(REAL_BAD, encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("name,status,management_address\nsth-acc-sw01,active,10.0.0.1\nsth-acc-sw02,spare,\n",
                    encoding="utf-8")

    failed = manage(real_db, "import_assets", str(bad))

    assert failed.returncode == 1
    lines = failed.stderr.splitlines()
    assert [re.match(r"bad\.csv: (line \d+, column \w+): \S", line)[1] for line in lines[:-1]] == [
        "line 3, column purchase_date", "line 4, column status", "line 5, column management_address",
        "line 6, column in_service_date", "line 7, column purchase_cost", "line 8, column name",
    ]
    assert lines[-1] == "CommandError: bad.csv: 6 error(s); nothing was imported"
    assert failed.stdout == ""

    ok = manage(real_db, "import_assets", str(good))

    assert ok.returncode == 0, ok.stderr
    # Line 2 of the bad file was the same asset: had it been written, it would not be created now.
    assert "good.csv: 2 were created, 0 were updated, 0 unchanged" in ok.stdout

    again = manage(real_db, "import_assets", str(good), "--dry-run")

    assert again.returncode == 0, again.stderr
    assert "0 would be created, 0 would be updated, 2 unchanged (dry run" in again.stdout

    exported = manage(real_db, "export_assets", "-")

    assert exported.returncode == 0, exported.stderr
    rows = exported.stdout.splitlines()
    assert rows[0] == ",".join(assets_csv.EXPORT_COLUMNS)
    assert [r.split(",")[0] for r in rows[1:]] == ["sth-acc-sw01", "sth-acc-sw02"]

    missing = manage(real_db, "import_assets", str(tmp_path / "nowhere.csv"))

    assert missing.returncode == 2  # a bad option or file: as argparse exits
    assert missing.stderr.strip().endswith("nowhere.csv: no such file")
    assert "Traceback" not in missing.stderr
