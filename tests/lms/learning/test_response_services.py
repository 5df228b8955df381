"""response_submit: one answer per question in a quiz attempt, enforced by the database.

The race is reproduced without threads (threads are in tests/lms/learning/apis/test_responses.py, on
PostgreSQL): a rival answer is stored after response_submit's own checks and before its insert,
exactly where a second tab's request lands when both arrive at once.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from lms.content import grading
from lms.learning import services
from lms.learning.models import QuizAttempt, Response
from lms.learning.services import AlreadyAnswered, NotAllowed, response_submit
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, UserFactory, add_to_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt() -> QuizAttempt:
    module = ModuleFactory(course=CourseFactory())
    first, second = QuestionFactory(), QuestionFactory()
    add_to_quiz(module, first, second)
    user = UserFactory()
    return QuizAttempt.objects.create(user=user, course=module.course, module=module, number=1,
                                      question_ids=[first.pk, second.pk], current_question=first)


def _stored(attempt: QuizAttempt, submission: uuid.UUID, **extra: Any) -> Response:
    question = attempt.current_question
    return Response.objects.create(submission_id=submission, user=attempt.user, question=question,
                                   module=attempt.module, course=attempt.course, quiz_attempt=attempt,
                                   answer=question.choices.first().pk, is_correct=False, score=0.0, attempt_number=1, **extra)


def _rival_lands_while_grading(monkeypatch: pytest.MonkeyPatch, attempt: QuizAttempt, submission: uuid.UUID) -> None:
    def grade_after_the_rival(question: Any, answer: Any) -> Any:
        _stored(attempt, submission)
        return grading.grade(question, answer)

    monkeypatch.setattr(services, "grade", grade_after_the_rival)


def _submit(attempt: QuizAttempt, submission: uuid.UUID) -> services.SubmitResult:
    question = attempt.current_question
    return response_submit(user=attempt.user, question=question, module=attempt.module,
                           answer=question.choices.get(is_correct=True).pk, submission_id=submission,
                           quiz_attempt=attempt)


def test_it_lets_the_database_refuse_a_second_answer_in_an_attempt(attempt: QuizAttempt) -> None:
    _stored(attempt, uuid.uuid4())
    with pytest.raises(IntegrityError), transaction.atomic():
        _stored(attempt, uuid.uuid4())
    assert Response.objects.filter(quiz_attempt=attempt).count() == 1


def test_it_allows_repeated_answers_outside_a_quiz(attempt: QuizAttempt) -> None:
    question = attempt.current_question
    for number in (1, 2):
        result = response_submit(user=attempt.user, question=question, module=attempt.module,
                                 answer=question.choices.first().pk, submission_id=uuid.uuid4())
        assert result.created and result.response.attempt_number == number


def test_it_refuses_a_second_answer_that_arrives_after_the_first(attempt: QuizAttempt) -> None:
    _submit(attempt, uuid.uuid4())
    with pytest.raises(AlreadyAnswered, match="already answered in this attempt"):
        _submit(attempt, uuid.uuid4())
    assert Response.objects.filter(quiz_attempt=attempt).count() == 1


def test_it_refuses_the_answer_that_loses_a_race_to_another_tab(
        attempt: QuizAttempt, monkeypatch: pytest.MonkeyPatch) -> None:
    rival = uuid.uuid4()
    _rival_lands_while_grading(monkeypatch, attempt, rival)

    with pytest.raises(AlreadyAnswered, match="already answered in this attempt") as refused:
        _submit(attempt, uuid.uuid4())

    assert isinstance(refused.value, NotAllowed), "the quiz pages show it like any refusal"
    assert list(Response.objects.filter(quiz_attempt=attempt).values_list("submission_id", flat=True)) == [rival]


def test_it_returns_the_stored_answer_when_the_same_submission_loses_the_race(
        attempt: QuizAttempt, monkeypatch: pytest.MonkeyPatch) -> None:
    submission = uuid.uuid4()
    _rival_lands_while_grading(monkeypatch, attempt, submission)

    result = _submit(attempt, submission)

    assert result.created is False
    assert result.response == Response.objects.get(quiz_attempt=attempt)
