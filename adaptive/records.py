"""The learner's records, as the learner model reads them: answers, quiz attempts, enrolments and
completions belong to ``lms.learning``, which depends on ``adaptive``, so ``adaptive`` never imports it.

Learning hands its rows over as values: it calls ``adaptive`` with what it has read (an answer, a
quiz attempt), and registers here, in ``LearningConfig.ready``, the reads that ``adaptive`` makes
itself (inside the learner's locked state row, for a recommendation, for training); ``adaptive``
asks through ``learning_records()``. Nothing here writes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple, Protocol

from django.core.exceptions import ImproperlyConfigured

from adaptive.core.policy import Sitting
from lms.content.models import Course


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


class Quiz(Protocol):
    """A quiz attempt as the decisions read it (``lms.learning.models.QuizAttempt``): whose, in which
    course and module, its pool of questions and its cap."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def user_id(self) -> int: ...

    @property
    def course(self) -> Course: ...

    @property
    def course_id(self) -> int: ...

    @property
    def module_id(self) -> int | None: ...

    @property
    def is_placement(self) -> bool: ...

    @property
    def question_ids(self) -> list[int]: ...

    @property
    def max_questions(self) -> int | None: ...


class ResponsesSince(Protocol):
    def __call__(self, user_id: int, after_id: int, up_to_id: int | None = None,
                 attempt_id: uuid.UUID | None = None) -> tuple[list[NewResponse], list[AttemptAnswer]]: ...


#: A response of the log: learner id, question id, question key, correct, when it was given.
ResponseRow = tuple[int, int, str, bool, datetime]


@dataclass(frozen=True)
class LearningRecords:
    """The reads of the learner's records that ``adaptive`` makes itself.

    ``responses_since(user_id, after_id, up_to_id, attempt_id)``: in one read, the learner's responses
    after ``after_id`` (up to ``up_to_id``), oldest first, and the answers in the attempt so far.
    ``module_standing(user_id, course_id)``: :class:`ModuleStanding`.
    ``follows_course_order(user_id, course_id)``: whether the learner is on the fixed course order.
    ``enrolled_course_ids(user_id)``: the courses the learner is enrolled in.
    ``response_rows()``: every response, by learner and then in the order given (for training).
    """

    responses_since: ResponsesSince
    module_standing: Callable[[int, int], ModuleStanding]
    follows_course_order: Callable[[int, int], bool]
    enrolled_course_ids: Callable[[int], list[int]]
    response_rows: Callable[[], Iterable[ResponseRow]]


_registered: LearningRecords | None = None


def learning_records_register(records: LearningRecords) -> None:
    """Make ``records`` the ones ``adaptive`` reads (called once per process, when the apps are ready)."""
    global _registered
    _registered = records


def learning_records() -> LearningRecords:
    if _registered is None:
        raise ImproperlyConfigured("No learner records are registered: the 'lms.learning' app registers them when "
                                   "it is ready, so it must be in INSTALLED_APPS.")
    return _registered
