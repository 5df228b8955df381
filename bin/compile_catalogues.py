"""Compile the translation catalogues (``locale/<lang>/LC_MESSAGES/*.po``) into the ``.mo`` files
Django reads, with polib: no GNU gettext needed on the machine. bin/_setup.sh runs it for bin/demo and
bin/test, and the Dockerfile for the image; the ``.mo`` files are built, never committed.

    .venv/bin/python bin/compile_catalogues.py [LOCALE_DIR]

A catalogue whose ``.mo`` is newer than its ``.po`` is left as it is.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]


def compile_catalogues(locale_dir: Path) -> list[Path]:
    """Compile every ``.po`` below ``locale_dir`` whose ``.mo`` is missing or older; the ``.mo`` written."""
    written = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalogue = polib.pofile(str(po))
        fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
        if fuzzy:
            raise SystemExit(f"{po}: {len(fuzzy)} fuzzy entries (first: {fuzzy[0]!r}); translate them first")
        partial = mo.with_suffix(".mo.partial")
        catalogue.save_as_mofile(str(partial))
        partial.replace(mo)  # a reader never sees half a file
        written.append(mo)
    return written


def main(argv: list[str]) -> int:
    locale_dir = Path(argv[0]) if argv else ROOT / "locale"
    if not locale_dir.is_dir():
        print(f"no such folder: {locale_dir}", file=sys.stderr)
        return 2
    for mo in compile_catalogues(locale_dir):
        print(f"compiled {mo.relative_to(locale_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
