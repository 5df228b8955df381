"""xAPI statements through the product's real path (answers submitted by the service, the tasks
that follow run eagerly) to Ralph, a real learning-record store started by the test: statements
arrive once and validate, an LRS outage loses nothing, and sending again stores nothing twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from adaptive import registry
from lms.content.models import Module, Question
from lms.learning.models import ModuleCompletion, QuizAttempt, Response
from lms.learning.services import quiz_attempt_next_question, quiz_attempt_start, response_submit
from lms.xapi.lrs import LRSClient
from lms.xapi.models import Statement
from lms.xapi.selectors import outbox_counts
from lms.xapi.statements import VERBS
from lms.xapi.tasks import send_xapi_statements
from tests.lms.factories import (
    CourseFactory,
    ModuleFactory,
    QuestionFactory,
    SkillFactory,
    UserFactory,
    add_to_quiz,
    new_submission_id,
)
from tests.lms.xapi.ralph_lrs import PASSWORD, USERNAME, RalphLRS

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: statements are sent after them

BASE = "https://learn.example.com"


@pytest.fixture(autouse=True)
def _served_model_of_this_test(tmp_path: Path, settings: Any) -> Iterator[None]:
    """The built-in model serves, whatever champion an earlier test left loaded in this process:
    whether a skill crosses the mastery threshold (a ``mastered`` statement) depends on it."""
    settings.PATHWISE_MODEL_DIR = tmp_path / "models"
    cache.clear()
    registry.forget()
    yield
    registry.forget()


@pytest.fixture
def lrs(tmp_path: Path, settings: Any) -> Iterator[RalphLRS]:
    server = RalphLRS(tmp_path / "lrs")
    server.start()
    settings.PATHWISE_XAPI_ENDPOINT = server.endpoint
    settings.PATHWISE_XAPI_USERNAME = USERNAME
    settings.PATHWISE_XAPI_PASSWORD = PASSWORD
    settings.PATHWISE_XAPI_BASE_URL = BASE
    settings.PATHWISE_XAPI_RETRY_BASE_S = 0.0  # the test retries at once instead of after 30 s
    yield server
    server.stop()


@pytest.fixture
def module() -> Module:
    skill = SkillFactory(slug="fractions", name="Fractions")
    course = CourseFactory(slug="numbers", title="Numbers")
    course.skills.add(skill)
    module = ModuleFactory(course=course, slug="fractions-basics", title="Fractions basics")
    module.skills.add(skill)
    questions = [QuestionFactory(key=f"fractions-{i}") for i in range(10)]
    for question in questions:
        question.skills.add(skill)
    add_to_quiz(module, *questions)
    return module


def _next_question(attempt: QuizAttempt) -> Question | None:
    question_id = quiz_attempt_next_question(attempt=attempt)
    return Question.objects.get(pk=question_id) if question_id is not None else None


def _answer(user: Any, attempt: QuizAttempt, question: Question, *, correct: bool = True) -> Response:
    choice = question.choices.filter(is_correct=correct).first()
    return response_submit(user=user, question=question, module=attempt.module, answer=choice.pk,
                           submission_id=new_submission_id(), quiz_attempt=attempt, time_taken_ms=4200).response


def _take_quiz(user: Any, module: Module) -> list[Response]:
    """Answer the quiz's questions, each one the adaptive policy chooses, until the quiz ends."""
    attempt = quiz_attempt_start(user=user, module=module)
    answers = []
    for _ in range(20):
        attempt.refresh_from_db()
        question = _next_question(attempt)
        if question is None:
            return answers
        answers.append(_answer(user, attempt, question))
    raise AssertionError("the quiz did not end after 20 answers")


def _stored_in_lrs(lrs: RalphLRS) -> list[dict[str, Any]]:
    page = LRSClient(endpoint=lrs.endpoint, username=USERNAME, password=PASSWORD).get(limit="1000")
    assert not page.get("more"), "the LRS has more statements than one page; raise the test's limit"
    return page["statements"]


def test_it_sends_every_statement_once_and_survives_an_lrs_restart(lrs: RalphLRS, module: Module) -> None:
    learner = UserFactory()
    answers = _take_quiz(learner, module)

    assert answers and ModuleCompletion.objects.filter(user=learner, module=module).exists()
    recorded = Counter(Statement.objects.values_list("verb", flat=True))
    assert recorded[Statement.ANSWERED] == len(answers)  # one statement per answer
    assert recorded[Statement.COMPLETED] == 2  # the quiz and, the first time, the module
    assert recorded[Statement.MASTERED] == 1  # the one skill, once it crossed the threshold
    stored = _stored_in_lrs(lrs)
    assert sorted(s["id"] for s in stored) == sorted(str(pk) for pk in Statement.objects.values_list("id", flat=True))
    assert outbox_counts() == {"pending": 0, "failing": 0, "sent": len(stored)}

    # What arrived is what Pathwise means: the learner as an account, the question as an activity.
    first_answer = str(Statement.objects.get(payload__object__id__endswith=f"/{answers[0].question.key}").id)
    first = next(s for s in stored if s["id"] == first_answer)
    assert first["verb"]["id"] == VERBS["answered"]
    assert first["actor"]["account"] == {"homePage": BASE, "name": str(learner.pk)}
    assert "mbox" not in first["actor"]
    assert first["object"]["id"].startswith(f"{BASE}/xapi/questions/fractions-")
    assert first["result"]["success"] is True and first["result"]["score"]["scaled"] == 1.0
    assert first["context"]["contextActivities"]["parent"][0]["id"] == f"{BASE}/xapi/courses/numbers/modules/fractions-basics"
    assert first["context"]["registration"] == str(answers[0].quiz_attempt_id)

    # The LRS goes down; a second learner carries on, and nothing of theirs is lost.
    lrs.stop()
    assert lrs.is_down()
    other = UserFactory()
    during_outage = _take_quiz(other, module)
    waiting = Statement.objects.filter(user=other)
    assert waiting.count() == len(during_outage) + 3
    assert not waiting.filter(sent_at__isnull=False).exists()
    assert all(row.attempts >= 1 and "could not be reached" in row.last_error for row in waiting)
    before_restart = outbox_counts()

    lrs.start()
    sent = send_xapi_statements()  # what beat runs every minute

    after = outbox_counts()
    stored = _stored_in_lrs(lrs)
    ids = [s["id"] for s in stored]
    assert len(ids) == len(set(ids)), "a statement was stored twice"
    assert sorted(ids) == sorted(str(pk) for pk in Statement.objects.values_list("id", flat=True))
    assert sent == before_restart["failing"] + before_restart["pending"]
    assert after == {"pending": 0, "failing": 0, "sent": len(ids)}

    # Sending everything again (a lost reply, or the admin's resend) stores nothing twice.
    call_command("xapi_resend", "--all")
    again = [s["id"] for s in _stored_in_lrs(lrs)]
    assert sorted(again) == sorted(ids)


def test_it_sends_the_good_statements_of_a_batch_the_lrs_refuses(lrs: RalphLRS, module: Module) -> None:
    learner = UserFactory()
    attempt = quiz_attempt_start(user=learner, module=module)
    lrs.stop()  # hold the statements back while one is spoilt
    _answer(learner, attempt, _next_question(attempt))
    attempt.refresh_from_db()
    _answer(learner, attempt, _next_question(attempt), correct=False)
    spoilt = Statement.objects.order_by("recorded_at").first()
    payload = dict(spoilt.payload)
    del payload["actor"]
    Statement.objects.filter(pk=spoilt.pk).update(payload=payload)
    lrs.start()

    send_xapi_statements()

    spoilt.refresh_from_db()
    assert spoilt.sent_at is None and "422" in spoilt.last_error
    stored = _stored_in_lrs(lrs)
    assert str(spoilt.pk) not in {s["id"] for s in stored}
    assert {s["id"] for s in stored} == {str(pk) for pk in Statement.objects.exclude(pk=spoilt.pk).values_list("id", flat=True)}
    with pytest.raises(CommandError, match="not everything was sent"):
        call_command("xapi_resend", "--failing")


def test_it_counts_a_statement_the_lrs_holds_already_as_sent(lrs: RalphLRS, module: Module) -> None:
    learner = UserFactory()
    attempt = quiz_attempt_start(user=learner, module=module)
    _answer(learner, attempt, _next_question(attempt))
    row = Statement.objects.get(verb=Statement.ANSWERED)
    assert row.sent_at is not None
    # The same id with different content (e.g. a base address changed after sending): the LRS keeps
    # its copy and answers 409; retrying for ever would gain nothing.
    changed = {**row.payload, "result": {**row.payload["result"], "response": "something else"}}
    Statement.objects.filter(pk=row.pk).update(payload=changed, sent_at=None)

    send_xapi_statements()

    row.refresh_from_db()
    assert row.sent_at is not None and "already held by the LRS (409)" in row.last_error
    assert [s["id"] for s in _stored_in_lrs(lrs)].count(str(row.pk)) == 1
