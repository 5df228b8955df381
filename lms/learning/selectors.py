"""Reads for the learner's pages and the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import QuerySet

from adaptive.selectors import AttemptAnswer
from lms.content.models import Course, Module, Question
from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response


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
