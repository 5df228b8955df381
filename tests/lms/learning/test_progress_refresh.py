"""Progress summaries are refreshed a moment after an answer, once for the answers given meanwhile."""

from __future__ import annotations

import uuid

import pytest

from lms.learning import services
from lms.learning.models import Enrollment
from lms.learning.services import enrollment_refresh_progress, quiz_attempt_start, response_submit
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, UserFactory, add_to_quiz


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, float | None]]:
    """What would be sent to the broker: (enrolment id, countdown) per refresh queued."""
    calls: list[tuple[int, float | None]] = []
    monkeypatch.setattr(services, "publish", lambda task, enrollment_id, countdown=None: calls.append(
        (enrollment_id, countdown)) or True)
    return calls


def test_answers_in_quick_succession_share_one_delayed_refresh(db, queued, settings) -> None:
    settings.PATHWISE_PROGRESS_REFRESH_DELAY_S = 2.0
    enrollment_id = 4242
    for _ in range(3):
        services.enrollment_refresh_progress_later(enrollment_id=enrollment_id)
    assert queued == [(enrollment_id, 2.0)]


def test_the_next_answer_after_a_refresh_queues_another(db, queued) -> None:
    learner = UserFactory(role="learner")
    module = ModuleFactory(course=CourseFactory())
    questions = [QuestionFactory() for _ in range(2)]
    add_to_quiz(module, *questions)
    attempt = quiz_attempt_start(user=learner, module=module)
    enrollment = Enrollment.objects.get(user=learner, course=module.course)

    services.enrollment_refresh_progress_later(enrollment_id=enrollment.pk)
    services.enrollment_refresh_progress_later(enrollment_id=enrollment.pk)
    assert len(queued) == 1
    response_submit(user=learner, question=attempt.current_question, module=module,
                    answer=attempt.current_question.choices.first().pk, submission_id=uuid.uuid4(),
                    quiz_attempt=attempt)
    refreshed = enrollment_refresh_progress(enrollment_id=enrollment.pk)  # the queued refresh runs
    assert refreshed.questions_answered == 1, "the refresh counts the answer given while it was pending"
    services.enrollment_refresh_progress_later(enrollment_id=enrollment.pk)
    assert len(queued) == 2, "once it has run, the next answer needs a refresh of its own"
