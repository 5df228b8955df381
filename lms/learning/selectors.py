"""Reads for the learner's pages and the API, and the reads of the learner's records that follow
every answer (registered with ``adaptive.records`` for the learner model)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from adaptive.core.policy import LOOP_WINDOW, Sitting
from adaptive.models import Assignment, Decision
from adaptive.records import AttemptAnswer, ModuleStanding, NewResponse, ResponseRow
from lms.accounts.models import Team
from lms.content.models import Course, Module, Question
from lms.db import column, columns, convert, from_row, table
from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response

_NO_LIMIT = 2**63 - 1


@dataclass(frozen=True)
class ModuleStatus:
    module: Module
    completed: bool
    best_score: float | None
    in_progress: bool


def catalogue_for(user: User) -> QuerySet[Course]:
    """Published courses the learner is not enrolled in yet."""
    return Course.objects.filter(published=True).exclude(enrollments__user=user).order_by("title")


def enrollments_for(user: User) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(user=user).select_related("course").order_by("-last_activity", "-created")


def course_outline(user: User, course: Course) -> list[ModuleStatus]:
    modules = list(course.modules.all().order_by("order", "id"))
    completions = {
        c.module_id: c for c in ModuleCompletion.objects.filter(user=user, module__course=course)
    }
    open_attempts = set(
        QuizAttempt.objects.filter(user=user, module__course=course, finished_at__isnull=True)
        .values_list("module_id", flat=True)
    )
    return [
        ModuleStatus(
            module=m,
            completed=m.pk in completions,
            best_score=completions[m.pk].best_score if m.pk in completions else None,
            in_progress=m.pk in open_attempts,
        )
        for m in modules
    ]


def next_module_in_order(user: User, course: Course) -> Module | None:
    """The first module of the course the learner has not completed."""
    for status in course_outline(user, course):
        if not status.completed:
            return status.module
    return None


def open_attempt_for(user: User) -> QuizAttempt | None:
    """The learner's most recent unfinished quiz, to offer picking it up."""
    return (
        QuizAttempt.objects.filter(user=user, finished_at__isnull=True, course__published=True)
        .select_related("module", "course")
        .order_by("-started_at")
        .first()
    )


def responses_for(user: User) -> QuerySet[Response]:
    return Response.objects.filter(user=user).select_related("question", "module", "course")


def attempt_answers(attempt: QuizAttempt) -> list[AttemptAnswer]:
    """The answers given in ``attempt`` so far, oldest first."""
    return [AttemptAnswer(*row) for row in attempt.responses.order_by("id").values_list("id", "question_id", "score")]


def attempt_question_id(attempt: QuizAttempt, answers: list[AttemptAnswer]) -> int | None:
    """The question ``attempt`` asks now: the one the last decision chose, while it is unanswered.
    None when the quiz is over, or while the question after the latest answer is being decided."""
    current = attempt.current_question_id
    if attempt.finished_at is not None or current is None or current in {a.question_id for a in answers}:
        return None
    return current


def attempt_question(attempt: QuizAttempt, answers: list[AttemptAnswer]) -> Question | None:
    """:func:`attempt_question_id` with its choices."""
    question_id = attempt_question_id(attempt, answers)
    if question_id is None:
        return None
    return Question.objects.prefetch_related("choices").get(pk=question_id)


def assignments_of(user: User) -> list[Assignment]:
    """The learner's open assignments (own and through teams), earliest due first."""
    done = ModuleCompletion.objects.filter(user=user).values("module_id")
    rows = (Assignment.objects.filter(Q(learner=user) | Q(team__members=user)).exclude(module_id__in=done)
            .select_related("module__course", "assigned_by").distinct().order_by("due", "created"))
    return list(rows)


# ----- the reads after an answer ----------------------------------------------------------------
# They run for every answer, so they are written in SQL (see ``lms.db`` for why); what they return
# are the ORM's own model instances and values, converted by the models' fields.
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


def follows_course_order(user_id: int, course_id: int) -> bool:
    """Whether the learner's enrolment is on the fixed course order (the control group). The
    worker reads the same condition with the answer (:func:`answer_context`)."""
    return Enrollment.objects.filter(user_id=user_id, course_id=course_id, path=Enrollment.FIXED).exists()


def enrolled_course_ids(user_id: int) -> list[int]:
    return list(Enrollment.objects.filter(user_id=user_id).values_list("course_id", flat=True))


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
                    attempt_id: uuid.UUID | None = None) -> tuple[list[NewResponse], list[AttemptAnswer]]:
    """In one read: the learner's responses after ``after_id`` (up to ``up_to_id``), oldest first,
    and the answers in the attempt ``attempt_id`` so far, oldest first (the attempt's only read on the
    worker's path: the next question and, at the end, the score come from it)."""
    connection = transaction.get_connection()
    up_to = _NO_LIMIT if up_to_id is None else up_to_id
    attempt_key: Any = None
    if attempt_id is not None:
        attempt_key = QuizAttempt._meta.pk.get_db_prep_value(attempt_id, connection)
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
    """:class:`adaptive.records.ModuleStanding` in two reads (it runs after every answer): the
    modules, and the answers per skill."""
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


def response_rows() -> QuerySet[Response, ResponseRow]:
    """Every response as (learner id, question id, question key, correct, time), ordered by id (commit
    order) inside each learner: the response log the learner model is trained on."""
    return Response.objects.order_by("user_id", "id").values_list("user_id", "question_id", "question__key",
                                                                  "is_correct", "created")
