from __future__ import annotations

from pathlib import Path
from typing import Any

from lms.content.importing import BankImportReport
from lms.content.management.importing import BankImportCommand
from lms.content.qti import question_bank_import_qti


class Command(BankImportCommand):
    help = ("Import QTI 2.1, 2.2 or 3.0 assessment items (an item file, a folder, or a content package .zip "
            "with imsmanifest.xml) into the question bank. Unsupported items are listed and refused; errors "
            "import nothing. See docs/qti.md.")
    path_help = "an item .xml file, a folder, or a content package .zip"
    skill_help = "slug of an existing skill for every question"
    suggest_skills_help = "without --skill: import the questions untagged, with suggested skills to approve"
    prefix_help = "start of every question key, before the item identifier (default: the file name)"
    default_prefix = "qti"

    def run_import(self, *, path: Path, skill_slug: str | None, key_prefix: str, difficulty: int | None,
                   dry_run: bool, suggest_skills: bool, options: dict[str, Any]) -> BankImportReport:
        return question_bank_import_qti(path=path, skill_slug=skill_slug, key_prefix=key_prefix,
                                        difficulty=difficulty, dry_run=dry_run, suggest_skills=suggest_skills)
