"""response_process: the work after every answer, in the few statements the answer path is written in
(docs/architecture.md, "One answer"). A change that adds a statement per answer shows up here."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from adaptive.models import Decision, LearnerState
from lms.content.models import Question
from lms.learning.models import QuizAttempt, Response
from lms.learning.services import quiz_attempt_next_question, quiz_attempt_start, response_process, response_submit
from tests.lms.factories import (
    ModuleFactory,
    QuestionFactory,
    SkillFactory,
    UserFactory,
    add_to_quiz,
    new_submission_id,
)

pytestmark = pytest.mark.django_db


def _answer(attempt: QuizAttempt) -> Response:
    question_id = quiz_attempt_next_question(attempt=attempt)
    assert question_id is not None
    question = Question.objects.get(pk=question_id)
    return response_submit(user=attempt.user, question=question, module=attempt.module,
                           answer=question.choices.get(is_correct=True).pk, submission_id=new_submission_id(),
                           quiz_attempt=attempt).response


def _statements(response: Response) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response_process(response_id=response.pk)
    return [query["sql"] for query in captured.captured_queries]


def test_it_takes_an_answer_in_and_decides_in_a_fixed_number_of_statements() -> None:
    module = ModuleFactory(course__published=True)
    skill = SkillFactory()
    questions = [QuestionFactory() for _ in range(3)]
    for question in questions:
        question.skills.add(skill)
    add_to_quiz(module, *questions)
    attempt = quiz_attempt_start(user=UserFactory(), module=module)
    response_process(response_id=_answer(attempt).pk)  # loads the model and the course structure once

    attempt.refresh_from_db()
    middle = _answer(attempt)
    during = _statements(middle)
    assert Decision.objects.filter(response=middle).count() == 2, "the next question and the next module"
    attempt.refresh_from_db()
    assert attempt.current_question_id is not None and attempt.finished_at is None

    last = _answer(attempt)
    ending = _statements(last)
    attempt.refresh_from_db()
    assert attempt.finished_at is not None, "the pool is used up: the quiz ends"
    assert LearnerState.objects.get(user=attempt.user).last_response_id == last.pk

    again = _statements(last)
    # Each run: the answer with its course, attempt and path; the serving model's lookup (no champion
    # here: two reads); the locked state row; the new responses with the attempt's answers; the
    # state's update; the question decision and what it changes in the attempt; the module standing
    # (two reads) and the module decision; savepoints. The quiz's end adds its completion; a repeat
    # applies nothing and finds the stored module decision.
    # On PostgreSQL each of the two transactions also turns off its wait for the disk flush (states
    # and decisions are derived data): one SET LOCAL each.
    flush = 2 if connection.vendor == "postgresql" else 0
    assert (len(during), len(ending), len(again)) == (15 + flush, 24 + flush, 13 + flush), (
        "\n".join([*during, "--", *ending, "--", *again]))


def test_it_decides_in_the_web_in_a_fixed_number_of_statements_when_the_worker_is_late() -> None:
    module = ModuleFactory(course__published=True)
    questions = [QuestionFactory() for _ in range(3)]
    add_to_quiz(module, *questions)
    attempt = quiz_attempt_start(user=UserFactory(), module=module)
    response_process(response_id=_answer(attempt).pk)  # loads the model and the course structure once

    attempt.refresh_from_db()
    answered = _answer(attempt)  # no worker takes it in
    attempt = QuizAttempt.objects.select_related("course").get(pk=attempt.pk)
    with CaptureQueriesContext(connection) as captured:
        assert quiz_attempt_next_question(attempt=attempt) is not None
    decision = Decision.objects.get(response=answered, kind=Decision.QUESTION)
    assert decision.source == Decision.WEB and attempt.current_question_id == decision.question_id
    # The attempt's answers; the worker's decision, not there; the learner's state; the serving
    # model's lookup (two reads); the learner's path; the decision; the attempt's next question.
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 8, "\n".join(statements)
