"""Importing a course package: check it whole, then write it in one transaction, so a package is either
imported completely or not at all. The format is described in ``docs/course-format.md``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from lms.content.importing import QuestionSpec, report_notes
from lms.content.models import Course, Module, ModuleImage, ModuleQuestion, Question, Skill
from lms.content.packages.checking import CourseSpec, ImageSpec, package_check
from lms.content.packages.sources import package_close, package_open
from lms.content.services import question_upsert, set_fields, skill_suggestions_queue_untagged
from lms.content.storage import image_file_delete

KINDS = ("courses", "skills", "questions", "modules", "images")


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(KINDS, 0)


@dataclass
class PackageReport:
    """What a course package import did (or, in a dry run, would do), by kind and outcome."""

    course: str
    created: dict[str, int] = field(default_factory=_zero_counts)
    updated: dict[str, int] = field(default_factory=_zero_counts)
    unchanged: dict[str, int] = field(default_factory=_zero_counts)
    removed: dict[str, int] = field(default_factory=_zero_counts)
    warnings: list[str] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    # What each outcome touched, as (kind, name) pairs: ("questions", "cnt-single").
    names: dict[str, list[tuple[str, str]]] = field(
        default_factory=lambda: {"created": [], "updated": [], "unchanged": [], "removed": []})

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values()) or any(self.removed.values())

    def count(self, kind: str, outcome: str, name: str = "") -> None:
        getattr(self, outcome)[kind] += 1
        self.names[outcome].append((kind, name))

    @property
    def outcome(self) -> str:
        """What the import did to the course as a whole: ``created``, ``updated`` or ``unchanged``."""
        if self.created["courses"]:
            return "created"
        return "updated" if self.changed else "unchanged"

    def summary(self) -> str:
        lines = [{"created": f"Course '{self.course}' created.", "updated": f"Course '{self.course}' updated.",
                  "unchanged": f"Course '{self.course}' is up to date: nothing changed."}[self.outcome]]
        for kind in KINDS:
            parts = [f"{self.created[kind]} created", f"{self.updated[kind]} updated",
                     f"{self.unchanged[kind]} unchanged"]
            if self.removed[kind]:
                parts.append(f"{self.removed[kind]} removed")
            lines.append(f"  {kind}: " + ", ".join(parts))
        lines.extend(report_notes(self.warnings, self.suggestions))
        return "\n".join(lines)



def _write_skills(course: CourseSpec, report: PackageReport) -> None:
    skills: dict[str, Skill] = {}
    outcome: dict[str, str] = {}
    for spec in course.skills:
        values = {"name": spec.name, "description": spec.description}
        skill = Skill.objects.filter(slug=spec.slug).first()
        if skill is None:
            skill = Skill.objects.create(slug=spec.slug, **values)
            outcome[spec.slug] = "created"
        else:
            outcome[spec.slug] = "updated" if set_fields(skill, values) else "unchanged"
            if outcome[spec.slug] == "updated":
                skill.save()
        skills[spec.slug] = skill
    for spec in course.skills:
        skill = skills[spec.slug]
        current = set(skill.prerequisites.values_list("slug", flat=True))
        if current != set(spec.prerequisites):
            skill.prerequisites.set(Skill.objects.filter(slug__in=spec.prerequisites))
            if outcome[spec.slug] == "unchanged":
                outcome[spec.slug] = "updated"
        if outcome[spec.slug] == "updated":
            others = sorted(skill.courses.exclude(slug=course.slug).values_list("slug", flat=True))
            if others:
                report.warnings.append(f"skill {spec.slug!r} is shared with course(s) {', '.join(others)}; "
                                       "the change shows there too")
        report.count("skills", outcome[spec.slug], spec.slug)


def _write_questions(questions: list[QuestionSpec], course_slug: str, report: PackageReport) -> dict[str, Question]:
    by_key: dict[str, Question] = {}
    for spec in questions:
        question, outcome, warnings = question_upsert(spec=spec, course_slug=course_slug)
        report.count("questions", outcome, spec.key)
        report.warnings.extend(warnings)
        by_key[spec.key] = question
    return by_key



def _write_modules(course_obj: Course, course: CourseSpec, questions: dict[str, Question], files: _Files,
                   report: PackageReport) -> None:
    existing = {m.slug: m for m in course_obj.modules.all()}
    for order, spec in enumerate(course.modules):
        values = {"title": spec.title, "body": spec.body, "video_url": spec.video_url,
                  "estimated_minutes": spec.estimated_minutes, "order": order}
        module = existing.pop(spec.slug, None)
        if module is None:
            module = Module.objects.create(course=course_obj, slug=spec.slug, **values)
            outcome = "created"
        else:
            outcome = "updated" if set_fields(module, values) else "unchanged"
            if outcome == "updated":
                module.save()
        if set(module.skills.values_list("slug", flat=True)) != set(spec.skills):
            module.skills.set(Skill.objects.filter(slug__in=spec.skills))
            outcome = "updated" if outcome == "unchanged" else outcome
        links_changed = _write_quiz(module, [questions[key] for key in spec.quiz])
        images_changed = _write_images(module, spec.images, files, report)
        if (links_changed or images_changed) and outcome == "unchanged":
            outcome = "updated"
        report.count("modules", outcome, spec.slug)
    for module in existing.values():
        for image in module.images.all():
            report.count("images", "removed", f"{module.slug}/{image.filename}")
        module.delete()
        report.count("modules", "removed", module.slug)


def _write_quiz(module: Module, questions: list[Question]) -> bool:
    links = {link.question_id: link for link in module.module_questions.all()}
    changed = False
    for order, question in enumerate(questions):
        link = links.pop(question.pk, None)
        if link is None:
            ModuleQuestion.objects.create(module=module, question=question, order=order)
            changed = True
        elif link.order != order:
            link.order = order
            link.save(update_fields=["order"])
            changed = True
    for link in links.values():
        link.delete()
        changed = True
    return changed


def _write_images(module: Module, specs: list[ImageSpec], files: _Files, report: PackageReport) -> bool:
    existing = {image.filename: image for image in module.images.all()}
    changed = False
    for order, spec in enumerate(specs):
        values = {"content_type": spec.content_type, "alt": spec.alt, "caption": spec.caption, "order": order}
        image = existing.pop(spec.filename, None)
        if image is None:
            image = ModuleImage(module=module, filename=spec.filename, **values)
            files.store(image, spec.data)
            image.save()
            report.count("images", "created", f"{module.slug}/{spec.filename}")
            changed = True
            continue
        new_bytes = image.sha256 != hashlib.sha256(spec.data).hexdigest()
        if new_bytes:
            files.store(image, spec.data)
        if set_fields(image, values) or new_bytes:
            image.save()
            report.count("images", "updated", f"{module.slug}/{spec.filename}")
            changed = True
        else:
            report.count("images", "unchanged", f"{module.slug}/{spec.filename}")
    for image in existing.values():
        image.delete()  # its stored object goes after the commit (lms.content.storage)
        report.count("images", "removed", f"{module.slug}/{image.filename}")
        changed = True
    return changed


@dataclass
class _Files:
    """The image objects one import writes, so that an import that fails or is a dry run removes them.
    (An import inside a caller's transaction that the caller rolls back later leaves its objects
    behind; their names are content-addressed, so the next import of the same images reuses them.)"""

    write: bool = True
    written: list[str] = field(default_factory=list)

    def store(self, image: ModuleImage, data: bytes) -> None:
        stored = image.store_bytes(data, write=self.write)
        if stored.written:
            self.written.append(stored.name)

    def remove_written(self) -> None:
        for name in self.written:
            image_file_delete(name)
        self.written.clear()


def _write_course(course: CourseSpec, questions: list[QuestionSpec], warnings: list[str],
                  files: _Files) -> PackageReport:
    report = PackageReport(course=course.slug, warnings=list(warnings))
    _write_skills(course, report)
    by_key = _write_questions(questions, course.slug, report)
    values = {"title": course.title, "summary": course.summary, "description": course.description,
              "published": course.published, "target_success": course.target_success,
              "mastery_threshold": course.mastery_threshold, "control_share": course.control_share}
    course_obj = Course.objects.filter(slug=course.slug).first()
    if course_obj is None:
        course_obj = Course.objects.create(slug=course.slug, **values)
        outcome = "created"
    else:
        outcome = "updated" if set_fields(course_obj, values) else "unchanged"
        if outcome == "updated":
            course_obj.save()
    wanted = {s.slug for s in course.skills}
    if set(course_obj.skills.values_list("slug", flat=True)) != wanted:
        course_obj.skills.set(Skill.objects.filter(slug__in=wanted))
        outcome = "updated" if outcome == "unchanged" else outcome
    report.count("courses", outcome, course.slug)
    _write_modules(course_obj, course, by_key, files, report)
    return report


# --- Import ---------------------------------------------------------------------------------------


def course_package_import(*, path: Path, dry_run: bool = False, write_files: bool = True) -> PackageReport:
    """Import a course package (a folder or a .zip). Checks everything first and raises
    ``ImportInvalid`` listing every problem; writes nothing unless the whole package is valid.
    With ``dry_run`` the report says what the import would do, and nothing is kept. Images are
    written to storage before the rows that name them; an import that fails removes those it wrote.
    ``write_files=False`` is for a caller that rolls the import back itself (an upload's preview):
    the rows name their image objects without writing them."""
    files = _Files(write=write_files and not dry_run)
    try:
        with transaction.atomic():
            source = package_open(Path(path))
            try:
                course, questions, warnings = package_check(source)
            finally:
                package_close(source)
            report = _write_course(course, questions, warnings, files)
            _suggest_skills(report, [q.key for q in questions if not q.skills], dry_run=dry_run)
            if dry_run:
                transaction.set_rollback(True)
    except BaseException:
        files.remove_written()
        raise
    return report


def _suggest_skills(report: PackageReport, keys: list[str], *, dry_run: bool) -> None:
    """Untagged questions get suggested skills, worked out in the background once the import commits
    and recorded for an admin to approve, never applied."""
    untagged = skill_suggestions_queue_untagged(keys=keys, source="import_course")
    report.warnings.extend(f"question {q.key!r} has no skill: it is not used for mastery until one is approved "
                           "(skills are suggested for it in the background)" for q in untagged)
    if not dry_run:
        report.suggestions.extend(q.key for q in untagged)
