"""Recording statements with their events, and sending while the LRS cannot be reached (a closed
port, for real). The LRS itself is in test_lrs.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from lms.content.models import Question
from lms.learning.models import QuizAttempt
from lms.learning.services import quiz_attempt_finish, response_submit
from lms.xapi import services
from lms.xapi.lrs import LRSClient
from lms.xapi.models import Statement
from lms.xapi.statements import VERBS, statement_id
from tests.lms.factories import (
    CourseFactory,
    ModuleFactory,
    QuestionFactory,
    UserFactory,
    add_to_quiz,
    new_submission_id,
)
from tests.lms.xapi.ralph_lrs import free_port

pytestmark = pytest.mark.django_db

BASE = "https://learn.example.com"


@pytest.fixture
def xapi_on(settings: Any) -> str:
    settings.PATHWISE_XAPI_ENDPOINT = f"http://127.0.0.1:{free_port()}/xAPI/"  # nothing listens there
    settings.PATHWISE_XAPI_BASE_URL = BASE
    settings.PATHWISE_XAPI_RETRY_BASE_S = 30.0
    return str(settings.PATHWISE_XAPI_ENDPOINT)


@pytest.fixture
def attempt() -> QuizAttempt:
    module = ModuleFactory(course=CourseFactory(slug="numbers"), slug="sums")
    single, multiple = QuestionFactory(key="two-plus-two"), QuestionFactory(key="even", type=Question.MULTIPLE)
    add_to_quiz(module, single, multiple)
    return QuizAttempt.objects.create(user=UserFactory(), course=module.course, module=module, number=1,
                                      question_ids=[single.pk, multiple.pk], current_question=single)


def _answer(attempt: QuizAttempt, question: Question, answer: Any, submission: str | None = None) -> Any:
    return response_submit(user=attempt.user, question=question, module=attempt.module, answer=answer,
                           submission_id=submission or new_submission_id(), quiz_attempt=attempt,
                           time_taken_ms=2500).response


def test_it_records_nothing_while_xapi_is_off(settings: Any, attempt: QuizAttempt) -> None:
    settings.PATHWISE_XAPI_ENDPOINT = ""
    question = attempt.current_question
    _answer(attempt, question, question.choices.get(is_correct=True).pk)
    assert not Statement.objects.exists()


def test_it_records_one_statement_per_answer_with_its_id_fixed(xapi_on: str, attempt: QuizAttempt) -> None:
    question = attempt.current_question
    submission = new_submission_id()
    response = _answer(attempt, question, question.choices.get(is_correct=True).pk, submission)
    _answer(attempt, question, question.choices.get(is_correct=True).pk, submission)  # a double click

    row = Statement.objects.get()
    assert row.id == statement_id(f"answer:{response.pk}") and row.payload["id"] == str(row.id)
    assert (row.verb, row.user_id, row.sent_at, row.state) == ("answered", attempt.user_id, None, "pending")
    statement = row.payload
    assert statement["actor"] == {"objectType": "Agent", "account": {"homePage": BASE, "name": str(attempt.user_id)}}
    assert statement["verb"]["id"] == VERBS["answered"]
    assert statement["object"]["id"] == f"{BASE}/xapi/questions/two-plus-two"
    assert statement["object"]["definition"]["interactionType"] == "choice"
    assert statement["result"] == {"score": {"scaled": 1.0, "min": 0.0, "max": 1.0, "raw": 1.0}, "success": True,
                                   "completion": True, "response": str(response.answer), "duration": "PT2.50S"}
    assert statement["context"]["registration"] == str(attempt.pk)
    assert statement["context"]["contextActivities"]["grouping"][0]["id"] == f"{BASE}/xapi/courses/numbers"


def test_it_writes_a_multiple_choice_response_as_xapi_does(xapi_on: str, attempt: QuizAttempt) -> None:
    question = Question.objects.get(key="even")
    QuizAttempt.objects.filter(pk=attempt.pk).update(current_question=question)
    attempt.refresh_from_db()
    picked = list(question.choices.filter(is_correct=True).values_list("pk", flat=True))
    _answer(attempt, question, picked)
    result = Statement.objects.get().payload["result"]
    assert result["response"] == "[,]".join(str(pk) for pk in sorted(picked))
    assert result["success"] is True


def test_it_records_the_quiz_and_the_first_module_completion(xapi_on: str, attempt: QuizAttempt) -> None:
    question = attempt.current_question
    _answer(attempt, question, question.choices.filter(is_correct=False).first().pk)
    assert quiz_attempt_finish(attempt=attempt)
    assert not quiz_attempt_finish(attempt=attempt)  # closed once: recorded once

    quiz, module = (Statement.objects.get(payload__object__id=f"{BASE}/xapi/courses/numbers/modules/sums/quiz"),
                    Statement.objects.get(payload__object__id=f"{BASE}/xapi/courses/numbers/modules/sums"))
    assert quiz.verb == module.verb == "completed"
    assert quiz.payload["result"]["score"] == {"scaled": 0.0, "min": 0.0, "max": 1.0, "raw": 0.0}
    second = QuizAttempt.objects.create(user=attempt.user, course=attempt.course, module=attempt.module, number=2,
                                        question_ids=attempt.question_ids)
    quiz_attempt_finish(attempt=second)
    assert Statement.objects.filter(verb="completed").count() == 3  # the second quiz, not the module again


def test_it_records_a_placement_check_as_a_completed_assessment(xapi_on: str) -> None:
    course = CourseFactory(slug="numbers")
    placement = QuizAttempt.objects.create(user=UserFactory(), course=course, kind=QuizAttempt.PLACEMENT, number=1,
                                           question_ids=[])
    quiz_attempt_finish(attempt=placement)
    row = Statement.objects.get()
    assert row.payload["object"]["id"] == f"{BASE}/xapi/courses/numbers/placement"
    assert row.payload["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"


@pytest.mark.parametrize(("before", "after", "recorded"), [
    (0.80, 0.90, 1),  # rose to the threshold: mastered
    (0.90, 0.95, 0),  # mastered already
    (0.90, 0.80, 0),  # slipped: no statement
    (None, 0.85, 1),  # first estimate, at the threshold
])
def test_it_records_mastery_when_a_skill_reaches_the_threshold(xapi_on: str, before: float | None, after: float,
                                                               recorded: int) -> None:
    course, user = CourseFactory(mastery_threshold=0.85), UserFactory()
    count = services.statement_record_mastery(
        user_id=user.pk, response_id=7, before={} if before is None else {"fractions": before},
        after={"fractions": after}, courses={course.pk: (course, ("fractions",))})
    assert count == recorded == Statement.objects.filter(verb="mastered").count()
    if recorded:
        result = Statement.objects.get().payload["result"]
        assert result["success"] is True and result["score"]["scaled"] == after


def test_it_waits_longer_after_each_failure_while_the_lrs_is_unreachable(xapi_on: str, attempt: QuizAttempt) -> None:
    question = attempt.current_question
    _answer(attempt, question, question.choices.get(is_correct=True).pk)
    start = timezone.now()

    first = services.statements_send(now=start)
    row = Statement.objects.get()
    assert (first.sent, first.failed, row.attempts, row.state) == (0, 1, 1, "failing")
    assert "could not be reached" in row.last_error and row.next_try_at == start + timedelta(seconds=30)
    assert services.statements_send(now=start + timedelta(seconds=29)).batches == 0  # not due yet
    services.statements_send(now=start + timedelta(seconds=30))
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_try_at == start + timedelta(seconds=30 + 60)
    assert row.sent_at is None


def test_it_makes_statements_due_again_on_resend(xapi_on: str, attempt: QuizAttempt) -> None:
    question = attempt.current_question
    _answer(attempt, question, question.choices.get(is_correct=True).pk)
    services.statements_send(client=LRSClient())
    assert Statement.objects.get().next_try_at > timezone.now()
    assert services.statements_resend(failing_only=True) == 1
    assert Statement.objects.get().next_try_at <= timezone.now()
