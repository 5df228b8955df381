"""The French catalogue: complete, compiled, and up to date with the marked strings.

The compiled ``django.mo`` is committed (a fresh machine may lack GNU gettext's ``msgfmt``), so these
tests make sure it says exactly what the ``django.po`` next to it says, and that the ``.po`` holds
every string marked in the code and templates (found as ``makemessages`` finds them, when the
gettext tools are installed)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = Path(settings.BASE_DIR) / "locale"
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


def test_the_committed_mo_is_compiled_from_the_po() -> None:
    assert _translations(polib.mofile(str(MO))) == _translations(polib.pofile(str(PO))), (
        "the .mo is out of date: run DEBUG=1 .venv/bin/python manage.py compilemessages -l fr --ignore=.venv")


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
