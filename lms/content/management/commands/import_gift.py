from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from lms.content.gift import question_bank_import_gift
from lms.content.importing import BankImportReport
from lms.content.management.importing import BankImportCommand


class Command(BankImportCommand):
    help = ("Import the questions of a Moodle GIFT file into the question bank. Unsupported questions are "
            "listed and skipped; a file with syntax errors imports nothing. See docs/gift.md.")
    path_help = "the GIFT file"
    skill_help = "slug of an existing skill for every question (instead of $CATEGORY lines)"
    suggest_skills_help = "import questions without a $CATEGORY untagged, with suggested skills to approve"
    prefix_help = "start of every question key (default: the file name)"
    default_prefix = "gift"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--titles-are-keys", dest="titles_are_keys", action="store_true",
                            help="each question's title is its key, as export_gift writes them")

    def run_import(self, *, path: Path, skill_slug: str | None, key_prefix: str, difficulty: int | None,
                   dry_run: bool, suggest_skills: bool, options: dict[str, Any]) -> BankImportReport:
        return question_bank_import_gift(path=path, skill_slug=skill_slug, key_prefix=key_prefix,
                                         difficulty=difficulty, dry_run=dry_run, suggest_skills=suggest_skills,
                                         titles_are_keys=bool(options.get("titles_are_keys")))
