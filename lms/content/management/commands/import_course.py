from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lms.content.packages import PackageInvalid, course_package_import


class Command(BaseCommand):
    help = "Import a course package (a folder or a .zip). Nothing is written unless the whole package is valid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the package folder or .zip")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            report = course_package_import(path=path)
        except PackageInvalid as exc:
            for error in exc.errors:
                self.stderr.write(str(error))
            count = len(exc.errors)
            raise CommandError(f"{path}: {count} problem{'s' if count != 1 else ''}; nothing was imported") from None
        self.stdout.write(report.summary())
