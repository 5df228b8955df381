"""Build small course packages in a temporary folder, and describe a course as plain data to compare."""

from __future__ import annotations

import copy
import zipfile
from pathlib import Path
from typing import Any

import yaml

from lms.content.models import Course, ModuleImage, Question

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
       b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n')

INTRO_BODY = (
    "# Counting things\n\n"
    "Data is what we **record** about cases.  \n"
    "A chart shows it:\n\n"
    "![A bar chart of three bars](images/chart.svg)\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n"
)
ADDING_BODY = "Adding numbers, café style: 2 + 2 = 4.\n\n```python\nprint(2 + 2)\n```\n"

BASE_COURSE: dict[str, Any] = {
    "format": "pathwise-course/1",
    "slug": "counting",
    "title": "Counting",
    "summary": "Count, add and compare.",
    "description": "A short course.\n\n- count\n- add\n",
    "published": True,
    "target_success": 0.75,
    "mastery_threshold": 0.9,
    "control_share": 0.2,
    "skills": [
        {"slug": "basics", "name": "Basics", "description": "Count objects.", "prerequisites": []},
        {"slug": "sums", "name": "Sums", "prerequisites": ["basics"]},
        {"slug": "charts", "name": "Charts", "description": "Read a bar chart.", "prerequisites": ["basics"]},
    ],
    "modules": [
        {
            "slug": "intro",
            "title": "Introduction",
            "file": "modules/intro.md",
            "estimated_minutes": 6,
            "images": [
                {"file": "images/chart.svg", "alt": "A bar chart of three bars", "caption": "Three bars"},
                {"file": "images/photo.png", "alt": "A photo of an abacus"},
            ],
            "skills": ["basics", "charts"],
            "quiz": ["cnt-single", "cnt-multi", "cnt-tf"],
        },
        {
            "slug": "adding",
            "title": "Adding",
            "file": "modules/adding.md",
            "estimated_minutes": 8,
            "video_url": "https://www.youtube.com/watch?v=abc123",
            "skills": ["sums"],
            "quiz": ["cnt-num", "cnt-short", "cnt-single"],
        },
    ],
}

BASE_QUESTIONS: list[dict[str, Any]] = [
    {
        "key": "cnt-single",
        "type": "single_choice",
        "stem": "How many bars does the chart show?  \nCount them.\n",
        "difficulty": 1,
        "skills": ["charts"],
        "explanation": "There are **three** bars.\n",
        "choices": [
            {"text": "2", "feedback": "Count again."},
            {"text": "3", "correct": True, "feedback": "Right."},
            {"text": "4"},
        ],
    },
    {
        "key": "cnt-multi",
        "type": "multiple_choice",
        "stem": "Which are even?",
        "difficulty": 3,
        "skills": ["basics"],
        "explanation": "2 and 4 are even.",
        "choices": [
            {"text": "2", "correct": True},
            {"text": "3", "feedback": "3 is odd."},
            {"text": "4", "correct": True},
        ],
    },
    {"key": "cnt-tf", "type": "true_false", "stem": "Zero is a number.", "difficulty": 2, "skills": ["basics"],
     "explanation": "It is.", "answer": True},
    {"key": "cnt-num", "type": "numeric", "stem": "What is 2.5 + 1?", "difficulty": 4, "skills": ["sums"],
     "explanation": "3.5", "answer": 3.5, "tolerance": 0.05},
    {"key": "cnt-short", "type": "short_text", "stem": "Name the sum of 2 and 2 in words.", "difficulty": 5,
     "skills": ["sums", "basics"], "explanation": "Four.", "accepted": ["four", "Four"], "case_sensitive": True},
]


def course_data() -> dict[str, Any]:
    return copy.deepcopy(BASE_COURSE)


def questions_data() -> list[dict[str, Any]]:
    return copy.deepcopy(BASE_QUESTIONS)


def write_package(root: Path, *, course: Any = None, questions: Any = None,
                  files: dict[str, bytes | str | None] | None = None) -> Path:
    """Write a package into ``root``. ``files`` adds or replaces files (None removes one)."""
    root.mkdir(parents=True, exist_ok=True)
    contents: dict[str, bytes | str | None] = {
        "course.yaml": yaml.safe_dump(course_data() if course is None else course, sort_keys=False,
                                      allow_unicode=True),
        "questions.yaml": yaml.safe_dump(questions_data() if questions is None else questions, sort_keys=False,
                                         allow_unicode=True),
        "modules/intro.md": INTRO_BODY,
        "modules/adding.md": ADDING_BODY,
        "images/chart.svg": SVG,
        "images/photo.png": PNG,
    }
    contents.update(files or {})
    for name, data in contents.items():
        if data is None:
            continue
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_bytes(data.encode("utf-8"))
        else:
            path.write_bytes(data)
    return root


def zip_folder(folder: Path, target: Path, *, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return target


def snapshot(slug: str) -> dict[str, Any]:
    """Everything an export must carry, as plain data (no ids, no timestamps)."""
    course = Course.objects.get(slug=slug)
    modules = []
    questions: dict[str, Any] = {}
    for module in course.modules.order_by("order"):
        quiz = module.quiz_questions()
        modules.append({
            "slug": module.slug, "title": module.title, "body": module.body, "video_url": module.video_url,
            "estimated_minutes": module.estimated_minutes, "order": module.order,
            "skills": sorted(module.skills.values_list("slug", flat=True)),
            "quiz": [q.key for q in quiz],
            "images": [(i.filename, i.content_type, i.read_bytes(), i.alt, i.caption, i.order)
                       for i in ModuleImage.objects.filter(module=module).order_by("order")],
        })
        for q in quiz:
            questions[q.key] = question_snapshot(q)
    return {
        "course": {f: getattr(course, f) for f in ("slug", "title", "summary", "description", "published",
                                                   "target_success", "mastery_threshold", "control_share")},
        "skills": sorted((s.slug, s.name, s.description, sorted(s.prerequisites.values_list("slug", flat=True)))
                         for s in course.skills.all()),
        "modules": modules,
        "questions": questions,
    }


def question_snapshot(q: Question) -> dict[str, Any]:
    return {
        "type": q.type, "stem": q.stem, "explanation": q.explanation, "difficulty": q.difficulty,
        "skills": sorted(q.skills.values_list("slug", flat=True)),
        "true_false_answer": q.true_false_answer, "numeric_answer": q.numeric_answer,
        "numeric_tolerance": q.numeric_tolerance, "accepted_answers": q.accepted_answers,
        "case_sensitive": q.case_sensitive,
        "choices": [(c.text, c.is_correct, c.feedback, c.order) for c in q.choices.order_by("order")],
    }
