"""Exporting a course as a package (a folder or a .zip) that importing reproduces. The output is
deterministic, so an unchanged course exports to the same bytes.
"""

from __future__ import annotations

import io
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import yaml

from lms.content.models import Course, Question, Skill
from lms.content.packages.checking import FORMAT
from lms.content.skills import prerequisite_edges


class _Flow(list):  # type: ignore[type-arg]
    """A list written on one line: ``[a, b]``."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key, as people write them.
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Markdown reads best as a literal block; PyYAML falls back to quotes where a block cannot hold it.
    style = "|" if "\n" in value else None
    if any(ch in value for ch in "\x85\u2028\u2029"):
        style = '"'  # YAML reads these as line breaks unless they are escaped
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)


def _dump(data: Any) -> bytes:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000,
                     default_flow_style=False)
    return text.encode("utf-8")


def _skill_closure(course: Course) -> list[Skill]:
    """The course's skills and every skill its modules, questions and prerequisites use, so that the
    package stands alone."""
    slugs = set(course.skills.values_list("slug", flat=True))
    slugs |= set(Skill.objects.filter(modules__course=course).values_list("slug", flat=True))
    slugs |= set(Skill.objects.filter(questions__modules__course=course).values_list("slug", flat=True))
    edges = prerequisite_edges()
    todo = list(slugs)
    while todo:
        for prereq in edges.get(todo.pop(), ()):
            if prereq not in slugs:
                slugs.add(prereq)
                todo.append(prereq)
    return list(Skill.objects.filter(slug__in=slugs).prefetch_related("prerequisites").order_by("slug"))


def _question_data(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": question.key,
        "type": question.type,
        "stem": question.stem,
        "difficulty": question.difficulty,
        "skills": _Flow(sorted(s.slug for s in question.skills.all())),
        "explanation": question.explanation,
    }
    if question.type in Question.CHOICE_TYPES:
        choices = []
        for choice in question.choices.order_by("order", "id"):
            item: dict[str, Any] = {"text": choice.text}
            if choice.is_correct:
                item["correct"] = True
            if choice.feedback:
                item["feedback"] = choice.feedback
            choices.append(item)
        data["choices"] = choices
    elif question.type == Question.TRUE_FALSE:
        data["answer"] = question.true_false_answer
    elif question.type == Question.NUMERIC:
        data["answer"] = question.numeric_answer
        data["tolerance"] = question.numeric_tolerance
    elif question.type == Question.SHORT_TEXT:
        data["accepted"] = list(question.accepted_answers)
        data["case_sensitive"] = question.case_sensitive
        if question.accepted_wildcards:
            data["wildcards"] = True
    return data


def _package_files(course: Course) -> dict[str, bytes]:
    """Every file of the course's package, by package path."""
    files: dict[str, bytes] = {}
    images: dict[str, bytes] = {}
    modules = []
    questions: list[Question] = []
    for module in course.modules.order_by("order", "id").prefetch_related("skills", "images"):
        item: dict[str, Any] = {
            "slug": module.slug,
            "title": module.title,
            "file": f"modules/{module.slug}.md",
            "estimated_minutes": module.estimated_minutes,
        }
        if module.video_url:
            item["video_url"] = module.video_url
        module_images = []
        for image in module.images.order_by("order", "id"):
            data = image.read_bytes()
            name = f"images/{image.filename}"
            if images.setdefault(name, data) != data:
                raise ValueError(f"cannot export {course.slug!r}: two modules hold different images named "
                                 f"{image.filename!r}, but a package has one images/ folder; rename one")
            entry = {"file": name, "alt": image.alt}
            if image.caption:
                entry["caption"] = image.caption
            module_images.append(entry)
        if module_images:
            item["images"] = module_images
        item["skills"] = _Flow(sorted(s.slug for s in module.skills.all()))
        quiz = module.quiz_questions()
        item["quiz"] = _Flow(q.key for q in quiz)
        questions.extend(q for q in quiz if q not in questions)
        files[item["file"]] = module.body.encode("utf-8")
        modules.append(item)
    course_data: dict[str, Any] = {
        "format": FORMAT,
        "slug": course.slug,
        "title": course.title,
        "summary": course.summary,
        "description": course.description,
        "published": course.published,
        "target_success": course.target_success,
        "mastery_threshold": course.mastery_threshold,
        "control_share": course.control_share,
        "skills": [
            {"slug": s.slug, "name": s.name, "description": s.description,
             "prerequisites": _Flow(sorted(p.slug for p in s.prerequisites.all()))}
            for s in _skill_closure(course)
        ],
        "modules": modules,
    }
    files["course.yaml"] = _dump(course_data)
    files["questions.yaml"] = _dump([_question_data(q) for q in questions])
    files.update(images)
    return files


def _zip_bytes(top: str, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            # A fixed date and mode make the archive the same bytes every time.
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    return buffer.getvalue()


def _write_zip(target: Path, top: str, files: dict[str, bytes]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".export-", delete=False) as tmp:
        tmp.write(_zip_bytes(top, files))
    Path(tmp.name).replace(target)


def _write_folder(target: Path, files: dict[str, bytes]) -> None:
    if target.exists():
        if not target.is_dir():
            raise FileExistsError(f"{target} exists and is not a folder")
        if any(target.iterdir()) and not (target / "course.yaml").is_file():
            raise FileExistsError(f"{target} is not empty and does not hold a course package; choose another folder")
        # Replace an earlier export: files the course no longer has must not linger.
        for sub in ("modules", "images"):
            if (target / sub).is_dir():
                shutil.rmtree(target / sub)
        (target / "course.json").unlink(missing_ok=True)
        (target / "questions.json").unlink(missing_ok=True)
    for name, data in sorted(files.items()):
        out = target / name
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)


def course_package_export(*, course: Course, path: Path) -> Path:
    """Write ``course`` as a package: a folder, or a zip when ``path`` ends in ``.zip``.

    Importing the result reproduces the course. The output is deterministic, so an unchanged course
    exports to the same bytes.
    """
    path = Path(path)
    files = _package_files(course)
    if path.suffix.lower() == ".zip":
        _write_zip(path, course.slug, files)
    else:
        _write_folder(path, files)
    return path


def course_package_zip(*, course: Course) -> bytes:
    """The course's package as the bytes of a zip, the same as ``course_package_export`` writes."""
    return _zip_bytes(course.slug, _package_files(course))
