"""Reads of the adaptive layer: the product's response log as the core's ResponseLog, skill maps,
and the learner's state row the worker locks after every answer.

The per-answer read is written in SQL (see ``lms.db`` for why); it returns the ORM's own model
instance, converted by the ORM. The learner's records (answers, quiz attempts, enrolments) are
read through ``adaptive.records``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from adaptive.core.data import ResponseLog
from adaptive.core.invariants import CourseSpec
from adaptive.core.learners.base import ItemInfo
from adaptive.models import LearnerState
from adaptive.records import learning_records
from adaptive.structure import course_structure
from lms.content.models import Course, Question, Skill
from lms.db import column, table


def course_specs() -> list[CourseSpec]:
    """Every published course as the model invariants check it: each question with every skill it
    is tagged with, the author's difficulty and its type, and the course's mastery threshold."""
    specs = []
    for course in Course.objects.filter(published=True).order_by("slug"):
        structure = course_structure(course)
        specs.append(CourseSpec(course.slug, {item_id(key): structure.question_info[pk]
                                              for pk, key in structure.question_keys.items()},
                                course.mastery_threshold))
    return specs


def skill_prerequisites() -> dict[str, tuple[str, ...]]:
    """Skill slug → the slugs of its prerequisites, as the author set them."""
    result: dict[str, list[str]] = {}
    for slug, prerequisite in Skill.prerequisites.through.objects.values_list("from_skill__slug", "to_skill__slug"):
        result.setdefault(slug, []).append(prerequisite)
    return {slug: tuple(sorted(p)) for slug, p in result.items()}


def item_catalogue() -> dict[str, ItemInfo]:
    """The author's description of every question, by the model's item id (for training)."""
    skills = question_skills()
    return {item_id(key): ItemInfo(skills.get(pk, ()), float(difficulty) if difficulty else None, kind)
            for pk, key, difficulty, kind in Question.objects.values_list("pk", "key", "difficulty", "type")}


def question_skills(question_ids: Iterable[int] | None = None) -> dict[int, tuple[str, ...]]:
    """Question id → the slugs of its skills, in the author's order (the first is the main one)."""
    through = Question.skills.through.objects.order_by("id").values_list("question_id", "skill__slug")
    if question_ids is not None:
        through = through.filter(question_id__in=list(question_ids))
    result: dict[int, list[str]] = {}
    for question_id, slug in through:
        result.setdefault(question_id, []).append(slug)
    return {question_id: tuple(slugs) for question_id, slugs in result.items()}


def primary_skills(question_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Question id → the slug of its first skill (as listed by its author): its main skill, the one
    its answers are predicted on (every skill of it receives the evidence; see ``question_skills``)."""
    return {question_id: slugs[0] for question_id, slugs in question_skills(question_ids).items()}


def item_id(question_key: str) -> str:
    """The model's item id for a question: its key, stable across export and import."""
    return question_key


def response_log() -> ResponseLog:
    """The product's response log for the core: learner id, question key, every skill of the question
    (the main one first; each receives the answer's evidence), correct, time. Ordered by id (commit
    order) inside each learner."""
    rows = learning_records().response_rows()
    skills = question_skills()
    return ResponseLog.from_records(
        (user_id, item_id(key), skills.get(question_id), bool(correct), created)
        for user_id, question_id, key, correct, created in rows
    )


# ----- the worker's reads after an answer -------------------------------------------------------
def learner_state_for_update(user_id: int) -> LearnerState:
    """The learner's state row, locked until the transaction ends (created when missing)."""
    connection = transaction.get_connection()
    sql = f"SELECT * FROM {table(LearnerState)} WHERE {column(LearnerState, 'user')} = %s"
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    row = next(iter(LearnerState.objects.raw(sql, [user_id])), None)
    if row is None:
        row, _ = LearnerState.objects.select_for_update().get_or_create(user_id=user_id)
    return row
