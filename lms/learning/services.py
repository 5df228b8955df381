"""Use cases of a learner: enrolling, taking a quiz, answering a question."""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from lms.content.grading import InvalidAnswer, grade
from lms.content.models import Course, Module, ModuleQuestion, Question
from lms.db import insert_unless_duplicate
from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response
from lms.queueing import publish, publish_on_commit

logger = logging.getLogger(__name__)


class NotAllowed(Exception):
    """The learner may not do this (unpublished course, question not in the quiz, finished attempt)."""


class AlreadyAnswered(NotAllowed):
    """The question was answered already in this quiz attempt (from another tab or client, perhaps at
    the same moment): a quiz takes one answer per question."""


@dataclass(frozen=True)
class SubmitResult:
    response: Response
    created: bool


def enrollment_create(*, user: AbstractBaseUser, course: Course, path: str | None = None) -> Enrollment:
    """Enrol a learner; enrolling twice returns the same enrolment.

    ``path`` (adaptive or fixed) puts a new enrolment on that path, as an experiment assigning its
    groups itself does; without it the path is drawn from the course's control share. An existing
    enrolment keeps its path whatever is asked: changing it midway would mix the groups compared.
    """
    if not course.published:
        raise NotAllowed("this course is not open for enrolment")
    if path is not None and path not in dict(Enrollment.PATHS):
        raise ValueError(f"unknown path {path!r}; expected one of {', '.join(dict(Enrollment.PATHS))}")
    enrollment, created = Enrollment.objects.get_or_create(
        user=user, course=course,
        defaults={"modules_total": course.modules.count(), "path": path or enrollment_draw_path(course=course)},
    )
    return enrollment


def enrollment_draw_path(*, course: Course) -> str:
    """Adaptive, or the fixed course order for a random ``course.control_share`` of new enrolments."""
    if course.control_share > 0 and random.random() < course.control_share:
        return Enrollment.FIXED
    return Enrollment.ADAPTIVE


@transaction.atomic
def quiz_attempt_start(*, user: AbstractBaseUser, module: Module) -> QuizAttempt:
    """Start (or resume) the learner's attempt at a module's quiz.

    An unfinished attempt is resumed rather than duplicated, so reloading or a second click on
    "Start quiz" leads back to the same question. The first question is chosen at once from the
    learner's stored state (no waiting on the worker at the start).
    """
    enrollment_create(user=user, course=module.course)
    open_attempt = QuizAttempt.objects.filter(user=user, module=module, finished_at__isnull=True).first()
    if open_attempt:
        return open_attempt
    question_ids = [q.id for q in module.quiz_questions()]
    if not question_ids:
        raise NotAllowed("this module has no quiz yet")
    last = QuizAttempt.objects.filter(user=user, module=module).aggregate(n=Max("number"))["n"] or 0
    attempt = QuizAttempt.objects.create(user=user, module=module, course=module.course, number=last + 1,
                                         question_ids=question_ids)
    _choose_first_question(attempt)
    return attempt


PLACEMENT_QUESTIONS = 5


@transaction.atomic
def placement_start(*, user: AbstractBaseUser, course: Course) -> QuizAttempt:
    """Start the optional placement check of a course: at most five questions, chosen adaptively
    across the course's skills, so the first recommendation already reflects what the learner knows."""
    enrollment_create(user=user, course=course)
    open_attempt = QuizAttempt.objects.filter(user=user, course=course, kind=QuizAttempt.PLACEMENT,
                                              finished_at__isnull=True).first()
    if open_attempt:
        return open_attempt
    question_ids = list(
        ModuleQuestion.objects.filter(module__course=course).order_by("module__order", "order", "id")
        .values_list("question_id", flat=True).distinct()
    )
    if not question_ids:
        raise NotAllowed("this course has no questions yet")
    last = QuizAttempt.objects.filter(user=user, course=course, kind=QuizAttempt.PLACEMENT).aggregate(
        n=Max("number"))["n"] or 0
    attempt = QuizAttempt.objects.create(user=user, course=course, kind=QuizAttempt.PLACEMENT, number=last + 1,
                                         question_ids=list(dict.fromkeys(question_ids)),
                                         max_questions=PLACEMENT_QUESTIONS)
    _choose_first_question(attempt)
    return attempt


def _choose_first_question(attempt: QuizAttempt) -> None:
    from adaptive.decisions import resolve_current_question

    resolve_current_question(attempt, deadline_s=0)


def quiz_attempt_current_question(attempt: QuizAttempt) -> Question | None:
    """The question to show now, or None when the quiz is over (the attempt is then finished)."""
    from adaptive.decisions import resolve_current_question

    return resolve_current_question(attempt)


def module_for_question(*, course: Course, question: Question) -> Module | None:
    """The module of ``course`` whose quiz holds ``question`` (placement answers are logged there)."""
    link = ModuleQuestion.objects.filter(module__course=course, question=question).select_related("module").order_by(
        "module__order").first()
    return link.module if link else None


def response_submit(
    *,
    user: AbstractBaseUser,
    question: Question,
    module: Module,
    answer: Any,
    submission_id: uuid.UUID | str,
    time_taken_ms: int | None = None,
    shown_at: datetime | None = None,
    quiz_attempt: QuizAttempt | None = None,
) -> SubmitResult:
    """Record one answer and return it with its grade.

    The response is committed before anything else (the progress summary is queued after commit
    and may fail without consequence). The same ``submission_id`` twice is one answer: a double
    click or a client retry returns the stored response instead of creating another.
    Raises InvalidAnswer for an answer that cannot be graded, NotAllowed for a question the
    learner cannot answer here, and AlreadyAnswered (a NotAllowed) for a second answer to a question
    in one quiz attempt: the database stores one, even when two requests race.
    """
    submission = uuid.UUID(str(submission_id))
    # One read for both: this submission if it was stored already, and the earlier answers to the
    # question (for the attempt number, and to refuse a second answer within one quiz).
    mine = list(Response.objects.filter(Q(submission_id=submission) | Q(question=question), user=user)
                .values_list("pk", "submission_id", "quiz_attempt_id"))
    existing = next((pk for pk, stored, _ in mine if stored == submission), None)
    if existing is not None:
        return SubmitResult(Response.objects.get(pk=existing), False)

    course = module.course
    if not course.published:
        raise NotAllowed("this course is not open")
    if quiz_attempt is None and not module.module_questions.filter(question=question).exists():
        raise NotAllowed("this question is not part of this module's quiz")
    earlier_attempts = [attempt_id for _, _, attempt_id in mine]
    if quiz_attempt is not None:
        # The attempt's questions were the module's (or, for a placement check, the course's) when it started.
        if quiz_attempt.user_id != user.pk or quiz_attempt.course_id != course.pk or (
                quiz_attempt.module_id is not None and quiz_attempt.module_id != module.pk):
            raise NotAllowed("this quiz attempt belongs to someone else")
        if quiz_attempt.finished_at is not None:
            raise NotAllowed("this quiz is already finished")
        if question.pk not in quiz_attempt.question_ids:
            raise NotAllowed("this question is not part of this quiz attempt")
        if quiz_attempt.pk in earlier_attempts:
            raise AlreadyAnswered("this question was already answered in this attempt")
        if quiz_attempt.current_question_id not in (None, question.pk):
            # The shown question may have been answered already; then the current one is the next decision.
            current = quiz_attempt_current_question(quiz_attempt) if quiz_attempt.responses.filter(
                question_id=quiz_attempt.current_question_id).exists() else quiz_attempt.current_question
            if current is None or current.pk != question.pk:
                raise NotAllowed("this is no longer the current question of the quiz")
    result = grade(question, answer)
    if quiz_attempt is None:  # a quiz attempt implies an enrolment; an answer through the API may be the first
        enrollment_create(user=user, course=course)

    response = Response(
        submission_id=submission,
        user=user,
        question=question,
        module=module,
        course=course,
        quiz_attempt=quiz_attempt,
        answer=result.answer,
        is_correct=result.is_correct,
        score=result.score,
        time_taken_ms=time_taken_ms,
        attempt_number=len(earlier_attempts) + 1,
        shown_at=shown_at,
    )
    if not insert_unless_duplicate(response):
        # Another request stored an answer between the checks above and this insert, and a unique
        # constraint kept this one out. The same submission (a double click, a retry) is that answer;
        # another answer to the question in this attempt (a second tab or client) is refused.
        stored = Response.objects.filter(user=user, submission_id=submission).first()
        if stored is not None:
            return SubmitResult(stored, False)
        raise AlreadyAnswered("this question was already answered in this attempt")
    from adaptive.tasks import process_response

    # The answer is committed first; the learner model and the summary follow in workers.
    publish_on_commit(process_response, response.pk)
    enrollment_refresh_progress_on_commit(user_id=user.pk, course_id=course.pk)
    return SubmitResult(response, True)


def enrollment_refresh_progress_on_commit(*, user_id: int, course_id: int) -> None:
    """Once the current transaction commits, queue a refresh of the learner's progress summary in
    the course (see :func:`enrollment_refresh_progress_later`); nothing if they are not enrolled."""
    enrollment_id = Enrollment.objects.filter(user_id=user_id, course_id=course_id).values_list("pk", flat=True).first()
    if enrollment_id is not None:
        transaction.on_commit(lambda: enrollment_refresh_progress_later(enrollment_id=enrollment_id))


def _progress_pending_key(enrollment_id: int) -> str:
    return f"learning:progress-pending:{enrollment_id}"


def enrollment_refresh_progress_later(*, enrollment_id: int) -> None:
    """Queue a refresh of the enrolment's progress summary, ``PATHWISE_PROGRESS_REFRESH_DELAY_S``
    from now, unless one is pending already: answers in quick succession share one refresh.

    Nothing is lost if this fails or the refresh never runs: the answers stay marked unprocessed
    and the periodic reconciliation refreshes their enrolments.
    """
    from lms.learning.tasks import refresh_enrollment_progress

    try:
        pending = not cache.add(_progress_pending_key(enrollment_id), 1, timeout=60)
    except Exception:  # noqa: BLE001 - without the cache, queue one refresh per answer
        logger.warning("cache unavailable; refreshing enrolment %s without coalescing", enrollment_id)
        pending = False
    if not pending:
        publish(refresh_enrollment_progress, enrollment_id, countdown=settings.PATHWISE_PROGRESS_REFRESH_DELAY_S)


@transaction.atomic
def enrollment_refresh_progress(*, enrollment_id: int) -> Enrollment | None:
    """Recompute an enrolment's summary from the response log. Running it twice changes nothing."""
    try:
        # From here on, an answer that is committed queues a refresh of its own again.
        cache.delete(_progress_pending_key(enrollment_id))
    except Exception:  # noqa: BLE001 - the key expires by itself; the summary still gets refreshed
        logger.warning("could not clear the pending refresh of enrolment %s", enrollment_id)
    enrollment = Enrollment.objects.select_for_update().filter(pk=enrollment_id).select_related("course").first()
    if enrollment is None:
        return None
    course = enrollment.course
    module_ids = list(course.modules.values_list("id", flat=True))
    responses = Response.objects.filter(user_id=enrollment.user_id, course=course)
    enrollment.modules_total = len(module_ids)
    enrollment.modules_completed = ModuleCompletion.objects.filter(
        user_id=enrollment.user_id, module_id__in=module_ids
    ).count()
    totals = responses.aggregate(answered=Count("id"), correct=Count("id", filter=Q(is_correct=True)),
                                 last=Max("created"))
    enrollment.questions_answered = totals["answered"]
    enrollment.correct_answers = totals["correct"]
    enrollment.last_activity = totals["last"]
    if module_ids and enrollment.modules_completed == len(module_ids):
        if enrollment.completed_at is None:
            enrollment.completed_at = ModuleCompletion.objects.filter(
                user_id=enrollment.user_id, module_id__in=module_ids
            ).aggregate(last=Max("completed_at"))["last"]
    else:
        enrollment.completed_at = None
    enrollment.progress_refreshed_at = timezone.now()
    enrollment.save()
    responses.filter(processed_at__isnull=True).update(processed_at=enrollment.progress_refreshed_at)
    return enrollment


__all__ = [
    "AlreadyAnswered",
    "InvalidAnswer",
    "NotAllowed",
    "SubmitResult",
    "enrollment_create",
    "enrollment_refresh_progress",
    "module_for_question",
    "placement_start",
    "quiz_attempt_current_question",
    "quiz_attempt_start",
    "response_submit",
]
