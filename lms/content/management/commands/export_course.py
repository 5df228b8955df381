from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lms.content.models import Course
from lms.content.packages.exporting import course_package_export


class Command(BaseCommand):
    help = "Export a course as a package: a folder, or a zip when PATH ends in .zip."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="the course's slug")
        parser.add_argument("path", type=Path, help="a folder, or a file name ending in .zip")

    def handle(self, *args: Any, slug: str, path: Path, **options: Any) -> None:
        course = Course.objects.filter(slug=slug).first()
        if course is None:
            known = ", ".join(Course.objects.order_by("slug").values_list("slug", flat=True)) or "none"
            raise CommandError(f"no course with the slug {slug!r} (courses: {known})")
        try:
            written = course_package_export(course=course, path=path)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Exported {course.slug!r} to {written}")
