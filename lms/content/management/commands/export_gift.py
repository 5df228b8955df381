from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from lms.content.gift import question_bank_export_gift
from lms.content.models import Course, Module, Question


class Command(BaseCommand):
    help = ("Export bank questions as a Moodle GIFT file: every question, or those of a course, a module, a "
            "skill or given keys. The titles are the keys, so import_gift --titles-are-keys reads it back. "
            "See docs/gift.md.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the GIFT file to write, or - for standard output")
        parser.add_argument("keys", nargs="*", help="question keys (default: every question selected below)")
        parser.add_argument("--course", default=None, help="the questions of this course's modules (a slug)")
        parser.add_argument("--module", default=None, help="the questions of one module: COURSE/MODULE")
        parser.add_argument("--skill", default=None, help="the questions of this skill (a slug)")

    def handle(self, *args: Any, path: str, keys: list[str], course: str | None, module: str | None,
               skill: str | None, **options: Any) -> None:
        questions = _selected(keys=keys, course=course, module=module, skill=skill)
        if not questions.exists():
            raise CommandError("no question matches: nothing to export")
        export = question_bank_export_gift(questions=questions)
        for warning in export.warnings:
            self.stderr.write(f"warning: {warning}")
        if path == "-":
            self.stdout.write(export.text, ending="")
            return
        target = Path(path)
        try:
            target.write_text(export.text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {target}: {exc.strerror}") from None
        self.stdout.write(f"Exported {export.count} question{'s' if export.count != 1 else ''} to {target}")


def _selected(*, keys: list[str], course: str | None, module: str | None, skill: str | None) -> QuerySet[Question]:
    questions = Question.objects.all()
    if keys:
        missing = sorted(set(keys) - set(Question.objects.filter(key__in=keys).values_list("key", flat=True)))
        if missing:
            raise CommandError(f"no such question: {', '.join(missing)}")
        questions = questions.filter(key__in=keys)
    if course is not None:
        if not Course.objects.filter(slug=course).exists():
            raise CommandError(f"no course with the slug {course!r}")
        questions = questions.filter(modules__course__slug=course)
    if module is not None:
        course_slug, _slash, module_slug = module.partition("/")
        if not Module.objects.filter(course__slug=course_slug, slug=module_slug).exists():
            raise CommandError(f"no module {module!r} (write COURSE/MODULE, with slugs)")
        questions = questions.filter(modules__course__slug=course_slug, modules__slug=module_slug)
    if skill is not None:
        questions = questions.filter(skills__slug=skill)
    return questions.distinct()
