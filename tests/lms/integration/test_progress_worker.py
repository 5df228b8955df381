"""The progress summary is computed by a real worker process, fed through the real broker."""

from __future__ import annotations

import uuid

import pytest

from lms.content.models import Question
from lms.learning.models import Enrollment, Response
from lms.learning.services import quiz_attempt_start, response_submit
from lms.learning.tasks import reconcile_unprocessed_responses
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, UserFactory, add_to_quiz
from tests.lms.integration.worker import running_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _setup():
    learner = UserFactory(role="learner")
    module = ModuleFactory(course=CourseFactory())
    questions = [QuestionFactory() for _ in range(3)]
    add_to_quiz(module, *questions)
    return learner, module, questions


def test_it_updates_progress_in_a_worker_process_after_commit() -> None:
    learner, module, questions = _setup()
    attempt = quiz_attempt_start(user=learner, module=module)
    with running_worker():
        for _ in questions:
            attempt.refresh_from_db()
            q = attempt.current_question  # the question the quiz asks now (the worker decided it)
            assert q is not None
            right = q.choices.get(is_correct=True)
            response_submit(user=learner, question=q, module=module, answer=right.pk,
                            submission_id=uuid.uuid4(), quiz_attempt=attempt)

            def moved_on(asked: int = q.pk) -> bool:
                attempt.refresh_from_db()
                return attempt.finished_at is not None or attempt.current_question_id != asked

            wait_for(moved_on, what="the worker to decide what follows the answer")
        enrollment = Enrollment.objects.get(user=learner, course=module.course)

        def refreshed() -> bool:
            enrollment.refresh_from_db()
            return enrollment.questions_answered == 3 and enrollment.modules_completed == 1

        wait_for(refreshed, what="the worker to refresh the enrolment")
    assert enrollment.correct_answers == 3
    assert enrollment.completed_at is not None
    assert not Response.objects.filter(processed_at__isnull=True).exists()


def test_it_keeps_responses_when_no_worker_runs_and_reconciles_later() -> None:
    learner, module, questions = _setup()
    q: Question = questions[0]
    result = response_submit(user=learner, question=q, module=module, answer=q.choices.first().pk,
                             submission_id=uuid.uuid4())
    assert result.created
    enrollment = Enrollment.objects.get(user=learner, course=module.course)
    assert enrollment.questions_answered == 0, "nothing processed it yet: no worker is running"
    assert Response.objects.filter(processed_at__isnull=True).count() == 1

    assert reconcile_unprocessed_responses() == 1
    enrollment.refresh_from_db()
    assert enrollment.questions_answered == 1
    assert reconcile_unprocessed_responses() == 0, "a second run has nothing left to do"
