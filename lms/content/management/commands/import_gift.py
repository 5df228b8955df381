from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from lms.content.gift import GiftInvalid, question_bank_import_gift


class Command(BaseCommand):
    help = ("Import the questions of a Moodle GIFT file into the question bank. Unsupported questions are "
            "listed and skipped; a file with syntax errors imports nothing. See docs/gift.md.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the GIFT file")
        parser.add_argument("--skill", dest="skill", default=None,
                            help="slug of an existing skill for every question (instead of $CATEGORY lines)")
        parser.add_argument("--prefix", dest="prefix", default=None,
                            help="start of every question key (default: the file name)")
        parser.add_argument("--difficulty", dest="difficulty", type=int, default=3, choices=range(1, 6),
                            metavar="1-5", help="difficulty of the imported questions (default 3)")
        parser.add_argument("--dry-run", dest="dry_run", action="store_true",
                            help="check and report, but write nothing")
        parser.add_argument("--suggest-skills", dest="suggest_skills", action="store_true",
                            help="import questions without a $CATEGORY untagged, with suggested skills to approve")

    def handle(self, *args: Any, path: Path, skill: str | None, prefix: str | None, difficulty: int,
               dry_run: bool, suggest_skills: bool = False, **options: Any) -> None:
        try:
            report = question_bank_import_gift(
                path=path, skill_slug=skill, key_prefix=prefix or _default_prefix(path),
                difficulty=difficulty, dry_run=dry_run, suggest_skills=suggest_skills,
            )
        except GiftInvalid as exc:
            for error in exc.errors:
                self.stderr.write(f"{path}: {error}")
            count = len(exc.errors)
            raise CommandError(f"{path}: {count} problem{'s' if count != 1 else ''}; nothing was imported") from None
        self.stdout.write(report.summary())


def _default_prefix(path: Path) -> str:
    return slugify(Path(path).stem)[:60].strip("-") or "gift"
