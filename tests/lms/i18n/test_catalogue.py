"""The French catalogue: complete, compiled, and up to date with the marked strings.

The ``django.mo`` is compiled at setup and in the image by ``bin/compile_catalogues.py`` (polib: no
GNU gettext needed), so these tests make sure what it compiles says exactly what the ``django.po``
says and is read by gettext as Django reads it, and that the ``.po`` holds every string marked in the
code and templates (found as ``makemessages`` finds them, when the gettext tools are installed)."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
PO = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "fr" / "LC_MESSAGES" / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def _translations(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], tuple[str, ...]]:
    out = {}
    for entry in catalogue:
        if entry.obsolete or not entry.msgid:
            continue
        text = tuple(entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)) if entry.msgid_plural else (
            entry.msgstr,)
        out[(entry.msgctxt, entry.msgid)] = text
    return out


def test_every_string_is_translated() -> None:
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [], "translate these in locale/fr/LC_MESSAGES/django.po"
    assert po.percent_translated() == 100
    assert len(po.translated_entries()) > 300


def test_translations_keep_the_placeholders() -> None:
    for entry in polib.pofile(str(PO)):
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        wanted = sorted(set(PLACEHOLDER.findall(" ".join(sources))))
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for target in targets:
            assert sorted(set(PLACEHOLDER.findall(target))) == wanted, entry.msgid


def test_the_build_compiles_the_po_into_a_mo_gettext_reads(tmp_path: Path) -> None:
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(PO, tmp_path / "fr" / "LC_MESSAGES" / "django.po")
    done = subprocess.run([sys.executable, str(ROOT / "bin" / "compile_catalogues.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    mo = tmp_path / "fr" / "LC_MESSAGES" / "django.mo"
    assert _translations(polib.mofile(str(mo))) == _translations(polib.pofile(str(PO)))
    with mo.open("rb") as handle:
        french = gettext.GNUTranslations(handle)
    assert french.gettext("Continue") == "Continuer"
    plural = next(e for e in polib.pofile(str(PO)) if e.msgid_plural and e.msgstr_plural.get(1))
    assert french.ngettext(plural.msgid, plural.msgid_plural, 1) == plural.msgstr_plural[0]
    assert french.ngettext(plural.msgid, plural.msgid_plural, 5) == plural.msgstr_plural[1]
    # Compiled already and not older than its .po: left as it is.
    again = subprocess.run([sys.executable, str(ROOT / "bin" / "compile_catalogues.py"), str(tmp_path)],
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout == ""


def test_the_mo_in_place_is_compiled_from_the_po() -> None:
    assert MO.exists(), "no django.mo: bin/_setup.sh (bin/test, bin/demo) compiles it; or run bin/compile_catalogues.py"
    assert _translations(polib.mofile(str(MO))) == _translations(polib.pofile(str(PO))), (
        "the .mo is out of date: run .venv/bin/python bin/compile_catalogues.py")


def test_a_fuzzy_entry_stops_the_build(tmp_path: Path) -> None:
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    catalogue = polib.pofile(str(PO))
    catalogue[0].flags.append("fuzzy")
    catalogue.save(str(tmp_path / "fr" / "LC_MESSAGES" / "django.po"))
    done = subprocess.run([sys.executable, str(ROOT / "bin" / "compile_catalogues.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "fuzzy" in done.stderr
    assert not (tmp_path / "fr" / "LC_MESSAGES" / "django.mo").exists()


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext's xgettext (apt install gettext)")
def test_the_po_holds_every_marked_string(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = Path(settings.BASE_DIR)
    for folder in ("lms", "adaptive", "templates"):
        shutil.copytree(base / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (tmp_path / "locale").mkdir()
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["fr"], verbosity=0)
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"))}
    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO)) if not e.obsolete}
    assert sorted(fresh - committed, key=str) == [], "run makemessages -l fr and translate the new strings"
    assert sorted(committed - fresh, key=str) == [], "run makemessages -l fr --no-obsolete: these are gone"
