"""What the import commands share: report every problem of a refused source, or the summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify

from lms.content.importing import BankImportReport, ImportInvalid


def refused(path: Path, exc: ImportInvalid, stderr: Any, *, name_the_path: bool = True) -> CommandError:
    """Write each problem on its own line and return the error that ends the command."""
    for error in exc.errors:
        stderr.write(f"{path}: {error}" if name_the_path else str(error))
    count = len(exc.errors)
    return CommandError(f"{path}: {count} problem{'s' if count != 1 else ''}; nothing was imported")


class BankImportCommand(BaseCommand):
    """An import of questions into the bank from a file of another format (GIFT, QTI): the options they
    share, and one way to report the outcome."""

    path_help: str
    skill_help: str
    suggest_skills_help: str
    prefix_help: str

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help=self.path_help)
        parser.add_argument("--skill", dest="skill", default=None, help=self.skill_help)
        parser.add_argument("--suggest-skills", dest="suggest_skills", action="store_true",
                            help=self.suggest_skills_help)
        parser.add_argument("--prefix", dest="prefix", default=None, help=self.prefix_help)
        parser.add_argument("--difficulty", dest="difficulty", type=int, default=None, choices=range(1, 6),
                            metavar="1-5", help="difficulty of every imported question (default: 3 for new "
                                                "questions, existing ones keep theirs)")
        parser.add_argument("--dry-run", dest="dry_run", action="store_true",
                            help="check and report, but write nothing")

    default_prefix: str  # when the file's name gives none

    def run_import(self, *, path: Path, skill_slug: str | None, key_prefix: str, difficulty: int | None,
                   dry_run: bool, suggest_skills: bool, options: dict[str, Any]) -> BankImportReport:
        raise NotImplementedError

    def handle(self, *args: Any, path: Path, skill: str | None, suggest_skills: bool, prefix: str | None,
               difficulty: int | None, dry_run: bool, **options: Any) -> None:
        try:
            report = self.run_import(path=path, skill_slug=skill,
                                     key_prefix=prefix or prefix_from(path, fallback=self.default_prefix),
                                     difficulty=difficulty, dry_run=dry_run, suggest_skills=suggest_skills,
                                     options=options)
        except ImportInvalid as exc:
            raise refused(path, exc, self.stderr) from None
        self.stdout.write(report.summary())


def prefix_from(path: Path, *, fallback: str) -> str:
    """The key prefix a file's name gives: ``bank.gift``, ``bank.zip`` and a folder ``bank/`` give ``bank``."""
    return slugify(Path(path).stem)[:60].strip("-") or fallback
