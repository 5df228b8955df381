"""Reads of the adaptive layer: the product's response log as the core's ResponseLog, skill maps,
and the few reads the worker makes after every answer.

The per-answer reads are written in SQL (see ``lms.db`` for why); what they return are the ORM's
own model instances, converted by the ORM.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Count

from adaptive.core.data import ResponseLog
from adaptive.core.invariants import CourseSpec
from adaptive.core.learners.base import ItemInfo
from adaptive.core.policy import LOOP_WINDOW, Sitting
from adaptive.models import Assignment, Decision, LearnerState
from adaptive.structure import course_structure
from lms.accounts.models import Team
from lms.content.models import Course, Module, Question, Skill
from lms.db import column, columns, convert, from_row, table
from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response

_NO_LIMIT = 2**63 - 1


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


def response_log(responses: Iterable[Response] | None = None) -> ResponseLog:
    """The product's response log for the core: learner id, question key, every skill of the question
    (the main one first; each receives the answer's evidence), correct, time. Ordered by id (commit
    order) inside each learner."""
    rows = (
        Response.objects.order_by("user_id", "id").values_list("user_id", "question_id", "question__key",
                                                               "is_correct", "created")
        if responses is None
        else [(r.user_id, r.question_id, r.question.key, r.is_correct, r.created) for r in responses]
    )
    skills = question_skills()
    return ResponseLog.from_records(
        (user_id, item_id(key), skills.get(question_id), bool(correct), created)
        for user_id, question_id, key, correct, created in rows
    )


# ----- the worker's reads after an answer -------------------------------------------------------
@dataclass(frozen=True)
class AnswerContext:
    """What deciding after an answer starts from: its learner, course and quiz attempt (``None`` for
    an answer outside a quiz), and whether the learner follows the fixed course order."""

    response_id: int
    user_id: int
    course: Course
    attempt: QuizAttempt | None
    fixed: bool


@cache
def _answer_sql() -> str:
    r, e, a = Response, Enrollment, QuizAttempt
    return (
        f"SELECT r.{column(r, 'user')}, EXISTS (SELECT 1 FROM {table(e)} e WHERE e.{column(e, 'user')} = "
        f"r.{column(r, 'user')} AND e.{column(e, 'course')} = r.{column(r, 'course')} AND e.{column(e, 'path')} = %s), "
        f"r.{column(r, 'quiz_attempt')}, {columns(Course, 'c')}, {columns(a, 'a')} "
        f"FROM {table(r)} r JOIN {table(Course)} c ON c.{column(Course, 'id')} = r.{column(r, 'course')} "
        f"LEFT JOIN {table(a)} a ON a.{column(a, 'id')} = r.{column(r, 'quiz_attempt')} "
        f"WHERE r.{column(r, 'id')} = %s"
    )


def answer_context(response_id: int) -> AnswerContext | None:
    """The context of a stored answer, in one read; ``None`` if there is no such answer."""
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(_answer_sql(), [Enrollment.FIXED, response_id])
        row = cursor.fetchone()
    if row is None:
        return None
    user_id, fixed, attempt_id = row[:3]
    course_width = len(Course._meta.concrete_fields)
    course = from_row(Course, row[3:3 + course_width], connection)
    attempt = None
    if attempt_id is not None:
        attempt = from_row(QuizAttempt, row[3 + course_width:], connection)
        attempt.course = course
    return AnswerContext(response_id, user_id, course, attempt, bool(fixed))


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


class AttemptAnswer(NamedTuple):
    """One answer given in a quiz attempt, as the quiz's decisions and its end need it."""

    response_id: int
    question_id: int
    score: float


@dataclass(frozen=True)
class NewResponse:
    """A response the learner's state has not taken in yet."""

    id: int
    question_id: int
    question_key: str
    is_correct: bool
    course_id: int
    created: datetime


@cache
def _responses_sql() -> str:
    r, q = Response, Question
    ident, attempt = f"r.{column(r, 'id')}", f"r.{column(r, 'quiz_attempt')}"
    return (
        f"SELECT {ident}, r.{column(r, 'question')}, q.{column(q, 'key')}, r.{column(r, 'is_correct')}, "
        f"r.{column(r, 'course')}, r.{column(r, 'created')}, CASE WHEN {ident} > %s AND {ident} <= %s THEN 1 ELSE 0 END, "
        f"CASE WHEN {attempt} = %s THEN 1 ELSE 0 END, r.{column(r, 'score')} "
        f"FROM {table(r)} r JOIN {table(q)} q ON q.{column(q, 'id')} = r.{column(r, 'question')} "
        f"WHERE r.{column(r, 'user')} = %s AND (({ident} > %s AND {ident} <= %s) OR {attempt} = %s) "
        f"ORDER BY {ident}"
    )


def responses_since(user_id: int, after_id: int, up_to_id: int | None = None,
                    attempt: QuizAttempt | None = None) -> tuple[list[NewResponse], list[AttemptAnswer]]:
    """In one read: the learner's responses after ``after_id`` (up to ``up_to_id``), oldest first,
    and the answers in ``attempt`` so far, oldest first (the attempt's only read on the worker's path:
    the next question and, at the end, the score come from it)."""
    connection = transaction.get_connection()
    up_to = _NO_LIMIT if up_to_id is None else up_to_id
    attempt_key: Any = None
    if attempt is not None:
        attempt_key = QuizAttempt._meta.pk.get_db_prep_value(attempt.pk, connection)
    new: list[NewResponse] = []
    answered: list[AttemptAnswer] = []
    with connection.cursor() as cursor:
        cursor.execute(_responses_sql(), [after_id, up_to, attempt_key, user_id, after_id, up_to, attempt_key])
        rows = cursor.fetchall()
    created_field = Response._meta.get_field("created")
    for pk, question_id, key, correct, course_id, created, is_new, in_attempt, score in rows:
        if is_new:
            new.append(NewResponse(pk, question_id, key, bool(correct), course_id,
                                   convert(created_field, created, connection)))
        if in_attempt:
            answered.append(AttemptAnswer(pk, question_id, float(score)))
    return new, answered


# ----- the next module ---------------------------------------------------------------------------
@dataclass(frozen=True)
class ModuleStanding:
    """Where a learner stands with a course's modules: those completed, when each module's quiz last
    ended, the modules assigned to them (directly or through a team) with their due dates, and their
    latest finished module quizzes, oldest first, each with the mastery stored by the last module
    decision made after one of its answers (``history``, for noticing a learner going round in
    circles); and how many answers they have given in the course on each skill (``practice``, for
    choosing what to review once every module is done)."""

    completed: frozenset[int]
    last_studied: dict[int, datetime]
    assigned: tuple[tuple[int, date | None], ...]
    history: tuple[Sitting, ...] = ()
    practice: dict[str, int] = field(default_factory=dict)  # answers given in this course, per skill slug


@cache
def _standing_sql() -> str:
    c, m, a, x, d, r = ModuleCompletion, Module, QuizAttempt, Assignment, Decision, Response
    members = Team.members.through
    # The mastery comes back as text: PostgreSQL matches a UNION's column types pair by pair, and
    # the two NULLs before it would make the column text anyway.
    mastery_after = (
        f"(SELECT CAST(d.{column(d, 'mastery')} AS TEXT) FROM {table(d)} d JOIN {table(r)} r "
        f"ON r.{column(r, 'id')} = d.{column(d, 'response')} WHERE r.{column(r, 'quiz_attempt')} = a.{column(a, 'id')} "
        f"AND d.{column(d, 'kind')} = %s ORDER BY d.{column(d, 'response')} DESC LIMIT 1)"
    )
    return (
        f"SELECT 1, c.{column(c, 'module')}, MAX(a.{column(a, 'finished_at')}), NULL, NULL "
        f"FROM {table(c)} c JOIN {table(m)} m ON m.{column(m, 'id')} = c.{column(c, 'module')} "
        f"LEFT JOIN {table(a)} a ON a.{column(a, 'user')} = c.{column(c, 'user')} "
        f"AND a.{column(a, 'module')} = c.{column(c, 'module')} AND a.{column(a, 'kind')} = %s "
        f"AND a.{column(a, 'finished_at')} IS NOT NULL "
        f"WHERE c.{column(c, 'user')} = %s AND m.{column(m, 'course')} = %s GROUP BY c.{column(c, 'module')} "
        f"UNION ALL "
        f"SELECT 2, x.{column(x, 'module')}, NULL, x.{column(x, 'due')}, NULL "
        f"FROM {table(x)} x JOIN {table(m)} m ON m.{column(m, 'id')} = x.{column(x, 'module')} "
        f"WHERE m.{column(m, 'course')} = %s AND (x.{column(x, 'learner')} = %s OR x.{column(x, 'team')} IN "
        f"(SELECT t.{column(members, 'team')} FROM {table(members)} t WHERE t.{column(members, 'user')} = %s)) "
        f"UNION ALL "
        f"SELECT 3, h.module_id, h.finished_at, NULL, h.mastery FROM (SELECT a.{column(a, 'module')} AS module_id, "
        f"a.{column(a, 'finished_at')} AS finished_at, {mastery_after} AS mastery FROM {table(a)} a "
        f"WHERE a.{column(a, 'user')} = %s AND a.{column(a, 'course')} = %s AND a.{column(a, 'kind')} = %s "
        f"AND a.{column(a, 'finished_at')} IS NOT NULL AND a.{column(a, 'module')} IS NOT NULL "
        f"ORDER BY a.{column(a, 'finished_at')} DESC LIMIT {LOOP_WINDOW}) h"
    )


def module_standing(user_id: int, course_id: int) -> ModuleStanding:
    """:class:`ModuleStanding` in two reads (it runs after every answer): the modules, and the
    answers per skill."""
    connection = transaction.get_connection()
    with connection.cursor() as cursor:
        cursor.execute(_standing_sql(), [QuizAttempt.MODULE, user_id, course_id, course_id, user_id, user_id,
                                         Decision.MODULE, user_id, course_id, QuizAttempt.MODULE])
        rows = cursor.fetchall()
    finished, due = QuizAttempt._meta.get_field("finished_at"), Assignment._meta.get_field("due")
    completed, last_studied, assigned, history = set(), {}, [], []
    for kind, module_id, last, when, mastery in rows:
        if kind == 1:
            completed.add(module_id)
            if last is not None:
                last_studied[module_id] = convert(finished, last, connection)
        elif kind == 2:
            assigned.append((module_id, convert(due, when, connection)))
        else:
            history.append(Sitting(module_id, convert(finished, last, connection), json.loads(mastery) if mastery else {}))
    history.sort(key=lambda s: s.finished)
    counted = (Response.objects.filter(user_id=user_id, course_id=course_id).values_list("question__skills__slug")
               .annotate(answers=Count("id")).order_by())
    practice = {slug: answers for slug, answers in counted if slug is not None}
    return ModuleStanding(frozenset(completed), last_studied, tuple(assigned), tuple(history), practice)
