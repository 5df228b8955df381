"""Checking a course package: every field of ``course.yaml`` and ``questions.yaml``, the files they name,
and the references between them and to the database, collecting every problem instead of stopping
at the first. What passes becomes the specs that ``writing`` writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from lms.content.importing import KEY_RE, ChoiceSpec, ImportInvalid, QuestionSpec
from lms.content.models import Module, Question, Skill
from lms.content.packages.fields import MISSING, FieldReader, join_path, kind_of
from lms.content.packages.sources import MAX_TEXT_BYTES, Source, data_load
from lms.content.skills import cycle_message, find_cycle, prerequisite_edges

FORMAT = "pathwise-course/1"
INLINE_IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?(images/[^)\s>]+)")

QUESTION_TYPES = list(Question.Type.values)

COURSE_FIELDS = {"format", "slug", "title", "summary", "description", "published", "target_success",
                 "mastery_threshold", "control_share", "skills", "modules"}
SKILL_FIELDS = {"slug", "name", "description", "prerequisites"}
MODULE_FIELDS = {"slug", "title", "file", "estimated_minutes", "video_url", "images", "skills", "quiz"}
IMAGE_FIELDS = {"file", "alt", "caption"}
CHOICE_FIELDS = {"text", "correct", "feedback"}
QUESTION_COMMON_FIELDS = {"key", "type", "stem", "difficulty", "skills", "explanation"}
QUESTION_TYPE_FIELDS = {
    Question.SINGLE: {"choices"},
    Question.MULTIPLE: {"choices"},
    Question.TRUE_FALSE: {"answer"},
    Question.NUMERIC: {"answer", "tolerance"},
    Question.SHORT_TEXT: {"accepted", "case_sensitive", "wildcards"},
}


# --- Specs ----------------------------------------------------------------------------------------


@dataclass
class SkillSpec:
    slug: str
    name: str
    description: str
    prerequisites: list[str]


@dataclass
class ImageSpec:
    filename: str
    content_type: str
    data: bytes
    alt: str
    caption: str


@dataclass
class ModuleSpec:
    slug: str
    title: str
    body: str
    video_url: str
    estimated_minutes: int
    images: list[ImageSpec]
    skills: list[str]
    quiz: list[str]


@dataclass
class CourseSpec:
    slug: str
    title: str
    summary: str
    description: str
    published: bool
    target_success: float
    mastery_threshold: float
    control_share: float
    skills: list[SkillSpec]
    modules: list[ModuleSpec]

def _find_data_file(source: Source, stem: str, checker: FieldReader, *, required: bool) -> tuple[str, Any]:
    """Load ``<stem>.yaml`` or ``<stem>.json``. Returns (file name, data or MISSING)."""
    present = [name for name in (f"{stem}.yaml", f"{stem}.json") if source.size(name) is not None]
    if not present:
        if required:
            checker.add(f"{stem}.yaml", "", "missing: a package needs a course.yaml (or course.json) at its top")
        return f"{stem}.yaml", MISSING
    name = present[0]
    if len(present) > 1:
        checker.add(name, "", f"both {stem}.yaml and {stem}.json are present; keep one")
        return name, MISSING
    size = source.size(name) or 0
    if size > MAX_TEXT_BYTES:
        checker.add(name, "", f"too large ({size} bytes; at most {MAX_TEXT_BYTES})")
        return name, MISSING
    try:
        raw = source.read(name)
    except OSError as exc:
        checker.add(name, "", str(exc))
        return name, MISSING
    ok, data = data_load(name, raw, checker.errors)
    return name, data if ok else MISSING


def _check_course(checker: FieldReader, file: str, data: Any) -> CourseSpec | None:
    course = checker.mapping(file, "", data)
    if course is None:
        return None
    checker.known(file, "", course, COURSE_FIELDS)
    fmt = course.get("format")
    if fmt != FORMAT:
        checker.add(file, "format", f"must be {FORMAT!r} (found {fmt!r})" if fmt is not None
                    else f"required: {FORMAT!r}")
    spec = CourseSpec(
        slug=checker.slug(file, "", course),
        title=checker.text(file, "", course, "title", required=True, max_length=200, one_line=True),
        summary=checker.text(file, "", course, "summary", max_length=300, one_line=True),
        description=checker.text(file, "", course, "description"),
        published=bool(checker.boolean(file, "", course, "published", default=True)),
        target_success=checker.number(file, "", course, "target_success", default=0.7, low=0.5, high=0.95) or 0.7,
        mastery_threshold=checker.number(file, "", course, "mastery_threshold", default=0.85,
                                         low=0.5, high=0.99) or 0.85,
        control_share=checker.number(file, "", course, "control_share", default=0.0, low=0.0, high=0.5) or 0.0,
        skills=[],
        modules=[],
    )
    for where, skill, slug in checker.slugged_items(file, course, "skills", SKILL_FIELDS, what="skill"):
        spec.skills.append(SkillSpec(
            slug=slug,
            name=checker.text(file, where, skill, "name", required=True, max_length=120, one_line=True),
            description=checker.text(file, where, skill, "description"),
            prerequisites=checker.slug_list(file, where, skill, "prerequisites", what="skill slug"),
        ))
    for where, module, slug in checker.slugged_items(file, course, "modules", MODULE_FIELDS, what="module"):
        body = None
        if module.get("file") in (None, ""):
            checker.add(file, join_path(where, "file"), "required: the module's Markdown file")
        else:
            body = checker.read_text(file, join_path(where, "file"), module["file"])
        video_url = checker.text(file, where, module, "video_url", max_length=200, one_line=True)
        if video_url:
            try:
                URLValidator(schemes=["http", "https"])(video_url)
            except ValidationError:
                checker.add(file, join_path(where, "video_url"), f"{video_url!r} is not an http(s) address")
        images: list[ImageSpec] = []
        listed: set[str] = set()
        for j, image_item in enumerate(checker.listing(file, where, module, "images")):
            image_where = join_path(join_path(where, "images"), j)
            image = checker.mapping(file, image_where, image_item)
            if image is None:
                continue
            checker.known(file, image_where, image, IMAGE_FIELDS)
            alt = checker.text(file, image_where, image, "alt", max_length=300, one_line=True)
            if not alt:
                checker.add(file, join_path(image_where, "alt"),
                            "required: describe the image for people who cannot see it")
            caption = checker.text(file, image_where, image, "caption", max_length=300, one_line=True)
            if image.get("file") in (None, ""):
                checker.add(file, join_path(image_where, "file"), "required: a path such as images/chart.svg")
                continue
            listed.add(str(image["file"]))
            found = checker.read_image(file, join_path(image_where, "file"), image["file"])
            if found is None:
                continue
            filename, content_type, data = found
            if any(other.filename == filename for other in images):
                checker.add(file, join_path(image_where, "file"), f"images/{filename} is listed twice in this module")
                continue
            images.append(ImageSpec(filename, content_type, data, alt, caption))
        if body is not None:
            for ref in sorted(set(INLINE_IMAGE_RE.findall(body)) - listed):
                checker.add(str(module["file"]), "body",
                            f"shows {ref}, which is not listed under the images of module {slug!r}")
        spec.modules.append(ModuleSpec(
            slug=slug,
            title=checker.text(file, where, module, "title", required=True, max_length=200, one_line=True),
            body=body or "",
            video_url=video_url,
            estimated_minutes=checker.integer(file, where, module, "estimated_minutes", default=5,
                                              low=1, high=32767) or 5,
            images=images,
            skills=checker.slug_list(file, where, module, "skills", what="skill slug"),
            quiz=checker.slug_list(file, where, module, "quiz", pattern=KEY_RE, what="question key"),
        ))
    return spec


def _check_questions(checker: FieldReader, file: str, data: Any) -> list[QuestionSpec]:
    if data is None:
        return []
    if not isinstance(data, list):
        checker.add(file, "-", f"must be a list of questions (found {kind_of(data)})")
        return []
    questions: list[QuestionSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(data):
        where = join_path("", i)
        question = checker.mapping(file, where, item)
        if question is None:
            continue
        key = checker.identifier(file, where, question, "key", pattern=KEY_RE, max_length=100,
                                 rule="letters, digits, '-', '_' and '.'")
        if key and key in seen:
            checker.add(file, join_path(where, "key"), f"question key {key!r} is used twice")
        seen.add(key)
        qtype = question.get("type")
        if qtype not in QUESTION_TYPES:
            checker.add(file, join_path(where, "type"), f"must be one of {', '.join(QUESTION_TYPES)} (found {qtype!r})")
            checker.known(file, where, question, QUESTION_COMMON_FIELDS | set().union(*QUESTION_TYPE_FIELDS.values()))
        else:
            checker.known(file, where, question, QUESTION_COMMON_FIELDS | QUESTION_TYPE_FIELDS[qtype],
                          what=f"a {qtype} question")
        spec = QuestionSpec(
            key=key,
            type=qtype if qtype in QUESTION_TYPES else "",
            stem=checker.text(file, where, question, "stem", required=True),
            explanation=checker.text(file, where, question, "explanation", required=True),
            difficulty=checker.integer(file, where, question, "difficulty", default=None, low=1, high=5) or 3,
            skills=checker.slug_list(file, where, question, "skills", what="skill slug"),
        )
        if qtype in Question.CHOICE_TYPES:
            choices = checker.listing(file, where, question, "choices", required=True)
            for j, choice_item in enumerate(choices):
                choice_where = join_path(join_path(where, "choices"), j)
                choice = checker.mapping(file, choice_where, choice_item)
                if choice is None:
                    continue
                checker.known(file, choice_where, choice, CHOICE_FIELDS)
                text = checker.text(file, choice_where, choice, "text", required=True, max_length=500)
                if text and any(c.text == text for c in spec.choices):
                    checker.add(file, join_path(choice_where, "text"), f"choice {text!r} is listed twice")
                spec.choices.append(ChoiceSpec(
                    text=text,
                    is_correct=bool(checker.boolean(file, choice_where, choice, "correct", default=False)),
                    feedback=checker.text(file, choice_where, choice, "feedback", max_length=500),
                ))
            correct = sum(c.is_correct for c in spec.choices)
            if isinstance(question.get("choices"), list):
                if len(choices) < 2:
                    checker.add(file, join_path(where, "choices"), f"a {qtype} question needs at least 2 choices "
                                                               f"(found {len(choices)})")
                if qtype == Question.SINGLE and correct != 1:
                    checker.add(file, join_path(where, "choices"),
                                f"a single_choice question needs exactly one correct choice (found {correct})")
                if qtype == Question.MULTIPLE and correct < 1:
                    checker.add(file, join_path(where, "choices"),
                                "a multiple_choice question needs at least one correct choice (found 0)")
        elif qtype == Question.TRUE_FALSE:
            spec.true_false_answer = checker.boolean(file, where, question, "answer", default=None)
        elif qtype == Question.NUMERIC:
            spec.numeric_answer = checker.number(file, where, question, "answer", default=None)
            spec.numeric_tolerance = checker.number(file, where, question, "tolerance", default=0.0, low=0.0) or 0.0
        elif qtype == Question.SHORT_TEXT:
            accepted = checker.listing(file, where, question, "accepted", required=True)
            if isinstance(question.get("accepted"), list) and not accepted:
                checker.add(file, join_path(where, "accepted"), "needs at least one accepted answer")
            for j, answer in enumerate(accepted):
                if isinstance(answer, bool) or not isinstance(answer, str | int | float) or not str(answer).strip():
                    checker.add(file, join_path(join_path(where, "accepted"), j),
                                f"must be non-empty text (found {answer!r})")
                else:
                    spec.accepted_answers.append(str(answer))
            spec.case_sensitive = bool(checker.boolean(file, where, question, "case_sensitive", default=False))
            spec.accepted_wildcards = bool(checker.boolean(file, where, question, "wildcards", default=False))
        questions.append(spec)
    return questions


def _check_references(checker: FieldReader, course_file: str, questions_file: str, course: CourseSpec,
                      questions: list[QuestionSpec]) -> None:
    """Cross-file and database checks: skills and questions that must exist, cycles, removals."""
    package_skills = {s.slug for s in course.skills}
    db_skills = set(Skill.objects.values_list("slug", flat=True))
    known_skills = package_skills | db_skills
    question_keys = {q.key for q in questions}

    def check_skill(file: str, where: str, slug: str) -> None:
        if slug and slug not in known_skills:
            checker.add(file, where, f"unknown skill {slug!r} (not in this package's skills nor in the database)")

    for i, skill in enumerate(course.skills):
        for j, prereq in enumerate(skill.prerequisites):
            check_skill(course_file, f"skills[{i}].prerequisites[{j}]", prereq)
    for i, module in enumerate(course.modules):
        for j, slug in enumerate(module.skills):
            check_skill(course_file, f"modules[{i}].skills[{j}]", slug)
        for j, key in enumerate(module.quiz):
            if key not in question_keys:
                checker.add(course_file, f"modules[{i}].quiz[{j}]", f"unknown question key {key!r}")
    for i, question in enumerate(questions):
        for j, slug in enumerate(question.skills):
            check_skill(questions_file, f"[{i}].skills[{j}]", slug)

    edges = prerequisite_edges()
    for skill in course.skills:
        if skill.slug:
            edges[skill.slug] = set(skill.prerequisites)
    cycle = find_cycle(edges)
    if cycle:
        checker.add(course_file, "skills", cycle_message(cycle))

    if course.slug:
        kept = {m.slug for m in course.modules}
        doomed = (Module.objects.filter(course__slug=course.slug).exclude(slug__in=kept)
                  .filter(responses__isnull=False).distinct().order_by("order"))
        for answered in doomed:
            checker.add(course_file, "modules",
                        f"module {answered.slug!r} is not in the package, but learners have answered its quiz, "
                        "so it cannot be removed; keep it in the package")

    used = {key for module in course.modules for key in module.quiz}
    for question in questions:
        if question.key and question.key not in used:
            checker.warnings.append(f"question {question.key!r} is not in any quiz of this course; "
                                    "it is kept in the question bank")


# --- The whole package ----------------------------------------------------------------------------


def package_check(source: Source) -> tuple[CourseSpec, list[QuestionSpec], list[str]]:
    """Check a package: its course, its questions and their references. Returns them with the warnings,
    or raises ``ImportInvalid`` listing every problem."""
    checker = FieldReader(source)
    course_file, course_data = _find_data_file(source, "course", checker, required=True)
    questions_file, questions_data = _find_data_file(source, "questions", checker, required=False)
    course = _check_course(checker, course_file, course_data) if course_data is not MISSING else None
    questions = (_check_questions(checker, questions_file, questions_data)
                 if questions_data is not MISSING else [])
    if course is not None:
        _check_references(checker, course_file, questions_file, course, questions)
    if checker.errors or course is None:
        raise ImportInvalid(checker.errors)
    return course, questions, checker.warnings
