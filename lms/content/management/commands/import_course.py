from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lms.content.importing import ImportInvalid
from lms.content.management.importing import refused
from lms.content.packages.writing import course_package_import


class Command(BaseCommand):
    help = "Import a course package (a folder or a .zip). Nothing is written unless the whole package is valid."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="the package folder or .zip")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            report = course_package_import(path=path)
        except ImportInvalid as exc:
            raise refused(path, exc, self.stderr, name_the_path=False) from None
        self.stdout.write(report.summary())
