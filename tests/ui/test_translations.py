"""The German catalogue (werterhalt/locale/de): complete, compiled, and used by the app."""

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext

import werterhalt
from inventory.choices import AssetStatus
from lifecycle.choices import Risk, SupportStatus

LC_MESSAGES = Path(werterhalt.__file__).resolve().parent / "locale" / "de" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as dicts: flags, msgid, msgid_plural, msgstr / msgstr[n].

    Small on purpose: it reads what makemessages writes (no msgctxt handling beyond storing
    it); obsolete ``#~`` entries are skipped."""
    entries, entry, key = [], None, None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        if line.startswith("#~"):
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


@pytest.fixture(scope="module")
def entries():
    return [e for e in parse_po(PO) if e["msgid"]]  # the header has msgid ""


def test_catalogue_has_entries(entries):
    assert len(entries) > 400, f"only {len(entries)} entries: was makemessages run on the whole project?"


def test_no_fuzzy_entries(entries):
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries are ignored by Django; check and unflag them: {fuzzy}"


def test_no_untranslated_entries(entries):
    untranslated = [
        e["msgid"] for e in entries if any(v == "" for k, v in e.items() if k.startswith("msgstr"))
    ]
    assert not untranslated, f"untranslated: {untranslated}"


def test_plural_entries_have_both_forms(entries):
    plurals = [e for e in entries if "msgid_plural" in e]
    assert plurals, "the catalogue should contain plural entries (blocktranslate count ...)"
    broken = [e["msgid"] for e in plurals if not e.get("msgstr[0]") or not e.get("msgstr[1]")]
    assert not broken, f"plural entries without both German forms: {broken}"


def test_placeholders_are_kept(entries):
    wrong = []
    for e in entries:
        expected = sorted(PLACEHOLDER.findall(e["msgid"]))
        for key, value in e.items():
            if key.startswith("msgstr") and sorted(PLACEHOLDER.findall(value)) != expected:
                wrong.append((e["msgid"], value))
    assert not wrong, f"placeholders differ between msgid and msgstr: {wrong}"


def test_swiss_spelling(entries):
    eszett = [e["msgid"] for e in entries if any("ß" in v for k, v in e.items() if k.startswith("msgstr"))]
    assert not eszett, f"Swiss Standard German writes ss, not ß: {eszett}"


def test_msgfmt_statistics():
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    stats = result.stderr.strip()
    assert re.fullmatch(r"\d+ translated messages?\.", stats), f"not fully translated: {stats}"


def test_committed_mo_is_up_to_date(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if not msgfmt:
        pytest.skip("msgfmt (GNU gettext) is not installed: cannot recompile the .po to compare")
    assert MO.is_file(), f"{MO} is missing: run msgfmt (or manage.py compilemessages)"
    fresh = tmp_path / "django.mo"
    result = subprocess.run(
        [msgfmt, "--check", "-o", str(fresh), str(PO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert fresh.read_bytes() == MO.read_bytes(), (
        f"{MO} is stale: recompile it with msgfmt --check -o {MO} {PO}"
    )


@pytest.mark.parametrize(
    ("english", "german"),
    [
        ("Assets", "Geräte"),
        ("Replace by", "Ersetzen bis"),
        ("Dashboard", "Übersicht"),
        ("Organisational units", "Organisationseinheiten"),
        ("Discovery runs", "Erkennungsläufe"),
        ("Book value (CHF)", "Buchwert (CHF)"),
        ("The upload is larger than %(mb)s MB.", "Der Upload ist grösser als %(mb)s MB."),
        ("Not allowed", "Nicht erlaubt"),
    ],
)
def test_strings_come_out_german(english, german):
    with translation.override("de"):
        assert gettext(english) == german
    with translation.override("en"):
        assert gettext(english) == english


def test_choice_labels_come_out_german():
    with translation.override("de"):
        assert str(SupportStatus.UNSUPPORTED.label) == "Nicht mehr unterstützt"
        assert str(SupportStatus.SECURITY_ONLY.label) == "Nur Sicherheitsupdates"
        assert str(Risk.CRITICAL.label) == "Kritisch"
        assert str(AssetStatus.DECOMMISSIONED.label) == "Ausser Betrieb"
    with translation.override("en"):
        assert str(SupportStatus.UNSUPPORTED.label) == "Unsupported"


def test_plural_forms_come_out_german():
    with translation.override("de"):
        one = ngettext("%(n)s row", "%(n)s rows", 1) % {"n": 1}
        many = ngettext("%(n)s row", "%(n)s rows", 3) % {"n": 3}
    assert (one, many) == ("1 Zeile", "3 Zeilen")


def test_python_format_placeholders_work_in_german():
    with translation.override("de"):
        text = gettext("Deleted %(n)d %(kinds)s.") % {"n": 2, "kinds": "Geräte"}
    assert text == "2 Geräte gelöscht."


@pytest.mark.django_db
def test_login_page_in_german(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="de"' in html or "lang='de'" in html, "LocaleMiddleware did not choose German"
    assert "Benutzername" in html and "Passwort" in html
    assert "User name" not in html
