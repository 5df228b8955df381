"""Use cases of a learner: enrolling, taking a quiz, answering a question.

This app owns the quiz: its attempts, their responses and their lifecycle (start, answer, the next
question stored, finish) and the work that follows an answer. ``adaptive`` takes the answers into
the learner's state and returns its decisions; what they change in the quiz is written here.
"""

from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from adaptive.decisions import belief_for_learner, decide_question, question_decision
from adaptive.models import Decision
from adaptive.records import AttemptAnswer
from adaptive.services import learner_state_take_answer, module_decision_after_answer
from lms.content.grading import InvalidAnswer, grade
from lms.content.models import Course, Module, ModuleQuestion, Question
from lms.db import insert_unless_duplicate
from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response
from lms.learning.selectors import answer_context, attempt_answers, attempt_question_id
from lms.learning.signals import quiz_attempt_finished, response_recorded
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


def enrollment_create(*, user: User, course: Course, path: str | None = None) -> Enrollment:
    """Enrol a learner; enrolling twice returns the same enrolment.

    ``path`` (adaptive or fixed) puts a new enrolment on that path, as an experiment assigning its
    groups itself does; without it the path is drawn from the course's control share. An existing
    enrolment keeps its path whatever is asked: changing it midway would mix the groups compared.
    """
    if not course.published:
        raise NotAllowed(_("this course is not open for enrolment"))
    if path is not None and path not in Enrollment.Path.values:
        raise ValueError(f"unknown path {path!r}; expected one of {', '.join(Enrollment.Path.values)}")
    enrollment, _created = Enrollment.objects.get_or_create(
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
def quiz_attempt_start(*, user: User, module: Module) -> QuizAttempt:
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
        raise NotAllowed(_("this module has no quiz yet"))
    last = QuizAttempt.objects.filter(user=user, module=module).aggregate(n=Max("number"))["n"] or 0
    attempt = QuizAttempt.objects.create(user=user, module=module, course=module.course, number=last + 1,
                                         question_ids=question_ids)
    quiz_attempt_next_question(attempt=attempt, answers=[])
    return attempt


PLACEMENT_QUESTIONS = 5


@transaction.atomic
def placement_start(*, user: User, course: Course) -> QuizAttempt:
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
        raise NotAllowed(_("this course has no questions yet"))
    last = QuizAttempt.objects.filter(user=user, course=course, kind=QuizAttempt.PLACEMENT).aggregate(
        n=Max("number"))["n"] or 0
    attempt = QuizAttempt.objects.create(user=user, course=course, kind=QuizAttempt.PLACEMENT, number=last + 1,
                                         question_ids=list(dict.fromkeys(question_ids)),
                                         max_questions=PLACEMENT_QUESTIONS)
    quiz_attempt_next_question(attempt=attempt, answers=[])
    return attempt


def quiz_attempt_next_question(*, attempt: QuizAttempt, answers: list[AttemptAnswer] | None = None) -> int | None:
    """The id of the question ``attempt`` asks now, deciding it if need be; None when the quiz is over.

    The question chosen already, if any. Otherwise the decision on what follows the latest answer:
    the worker's if stored, else one made now from the learner's last stored state (the web's
    decision, at the start of a quiz and when the worker is late or down; a unique constraint keeps
    the first stored for an answer). The decision is then applied to the attempt
    (:func:`quiz_attempt_advance`). ``answers`` are the attempt's answers when the caller has them.
    """
    if attempt.finished_at is not None:
        return None
    if answers is None:
        answers = attempt_answers(attempt)
    current = attempt_question_id(attempt, answers)
    if current is not None:
        return current
    decision = question_decision(answers[-1].response_id) if answers else None
    if decision is None:
        decision = decide_question(attempt, belief_for_learner(attempt.user_id), answers=answers, source=Decision.WEB)
    quiz_attempt_advance(attempt=attempt, decision=decision, answers=answers)
    return decision.question_id


def quiz_attempt_advance(*, attempt: QuizAttempt, decision: Decision, answers: list[AttemptAnswer]) -> None:
    """Apply a decision on what follows the latest of ``answers`` to ``attempt``: store its next
    question, or finish the quiz when it chose none. Applying it twice changes nothing."""
    if decision.question_id is None:
        quiz_attempt_finish(attempt=attempt, scores=[answer.score for answer in answers])
        return
    if attempt.current_question_id != decision.question_id:
        QuizAttempt.objects.filter(pk=attempt.pk, finished_at__isnull=True).update(
            current_question_id=decision.question_id)
        attempt.current_question_id = decision.question_id


@transaction.atomic
def quiz_attempt_finish(*, attempt: QuizAttempt, scores: list[float] | None = None) -> bool:
    """Close an attempt once (a conditional update claims it) and record the module completion.

    ``scores`` are those of the attempt's answers when the caller has read them already.
    Returns whether this call closed it.
    """
    now = timezone.now()
    claimed = QuizAttempt.objects.filter(pk=attempt.pk, finished_at__isnull=True).update(
        finished_at=now, current_question=None)
    attempt.finished_at = attempt.finished_at or now
    if not claimed:
        return False
    if scores is None:
        scores = list(attempt.responses.values_list("score", flat=True))
    score = sum(scores) / max(1, len(scores))
    if attempt.module_id is None:  # a placement check completes no module
        quiz_attempt_finished.send(sender=QuizAttempt, attempt=attempt, score=score, answered=len(scores),
                                   module_completed=False)
        return True
    completion, created = ModuleCompletion.objects.get_or_create(
        user_id=attempt.user_id, module_id=attempt.module_id, defaults={"completed_at": now, "best_score": score})
    if not created and score > completion.best_score:
        completion.best_score = score
        completion.save(update_fields=["best_score"])
    quiz_attempt_finished.send(sender=QuizAttempt, attempt=attempt, score=score, answered=len(scores),
                               module_completed=created)
    enrollment_refresh_progress_on_commit(user_id=attempt.user_id, course_id=attempt.course_id)
    return True


def module_for_question(*, course: Course, question: Question) -> Module | None:
    """The module of ``course`` whose quiz holds ``question`` (placement answers are logged there)."""
    link = ModuleQuestion.objects.filter(module__course=course, question=question).select_related("module").order_by(
        "module__order").first()
    return link.module if link else None


def response_submit(
    *,
    user: User,
    question: Question,
    module: Module,
    answer: Any,
    submission_id: uuid.UUID | str,
    time_taken_ms: int | None = None,
    shown_at: datetime | None = None,
    quiz_attempt: QuizAttempt | None = None,
) -> SubmitResult:
    """Record one answer and return it with its grade.

    The callers have checked what the request names: the attempt is the learner's, and the question
    belongs to the module (and, in a quiz, to the attempt). Here, what depends on the stored state:
    the course is open, the quiz is not finished, the question is the one the quiz asks now and was
    not answered in it yet. The response is the first thing written and is committed before anything
    else happens: the learner model and the progress summary follow in workers, after commit, and may
    fail without consequence. The same ``submission_id`` twice is one answer: a double click or a
    client retry returns the stored response instead of creating another.
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
        raise NotAllowed(_("this course is not open"))
    earlier_attempts = [attempt_id for _, _, attempt_id in mine]
    if quiz_attempt is not None:
        if quiz_attempt.finished_at is not None:
            raise NotAllowed(_("this quiz is already finished"))
        if quiz_attempt.pk in earlier_attempts:
            raise AlreadyAnswered("this question was already answered in this attempt")
        if quiz_attempt.current_question_id != question.pk:
            raise NotAllowed(_("this is no longer the current question of the quiz"))
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
    # The answer and what followers of response_recorded write (the xAPI outbox) commit together.
    with transaction.atomic(savepoint=False):
        inserted = insert_unless_duplicate(response)
        if inserted:
            response_recorded.send(sender=Response, response=response)
    if not inserted:
        # Another request stored an answer between the checks above and this insert, and a unique
        # constraint kept this one out. The same submission (a double click, a retry) is that answer;
        # another answer to the question in this attempt (a second tab or client) is refused.
        stored = Response.objects.filter(user=user, submission_id=submission).first()
        if stored is not None:
            return SubmitResult(stored, False)
        raise AlreadyAnswered("this question was already answered in this attempt")
    # The answer is committed first; the learner model and the summary follow in workers.
    publish_on_commit("lms.learning.tasks.process_response", response.pk)
    enrollment_refresh_progress_on_commit(user_id=user.pk, course_id=course.pk)
    return SubmitResult(response, True)


def response_process(*, response_id: int) -> None:
    """After an answer (the realtime task): the learner model takes it in and decides what follows.

    In one transaction, with the learner's state row locked: the state brought up to the answer,
    the decision on the quiz's next question (or its end), and that decision applied to the attempt.
    Then, in a second one, the next module of the course (the quiz waits only for the question).
    Idempotent: a second run finds everything applied and stored, and changes nothing.
    """
    context = answer_context(response_id)
    if context is None:
        return
    attempt = context.attempt if context.attempt is not None and context.attempt.finished_at is None else None
    with transaction.atomic():
        taken = learner_state_take_answer(context=context, attempt=attempt)
        if attempt is not None and taken.question is not None:
            quiz_attempt_advance(attempt=attempt, decision=taken.question, answers=taken.answers)
    module_decision_after_answer(context=context, taken=taken)


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
    try:
        pending = not cache.add(_progress_pending_key(enrollment_id), 1, timeout=60)
    except Exception:  # noqa: BLE001 - without the cache, queue one refresh per answer
        logger.warning("cache unavailable; refreshing enrolment %s without coalescing", enrollment_id)
        pending = False
    if not pending:
        publish("lms.learning.tasks.refresh_enrollment_progress", enrollment_id,
                countdown=settings.PATHWISE_PROGRESS_REFRESH_DELAY_S)


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
    "quiz_attempt_advance",
    "quiz_attempt_finish",
    "quiz_attempt_next_question",
    "quiz_attempt_start",
    "response_process",
    "response_submit",
]
