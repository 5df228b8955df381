"""The real-time loop across processes: a real worker, a real broker, and what happens when either
is down. Nothing here is mocked."""

from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from adaptive.models import Decision, LearnerState
from adaptive.services import model_version_promote, model_version_train
from lms.learning.models import QuizAttempt, Response
from lms.learning.services import quiz_attempt_start
from lms.learning.simulation import simulated_answer
from lms.learning.tasks import reconcile_learner_states
from tests.lms.integration.worker import running_worker, wait_for
from tests.lms.next_step import follow_next_step

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trained(course_with_activity):
    model_version_promote(version=model_version_train(model_name="skill_elo", promote=False).version)
    return course_with_activity


def _worker_env() -> dict[str, str]:
    return {"PATHWISE_MODEL_DIR": str(settings.PATHWISE_MODEL_DIR)}


def _answer_over_http(client: Client, attempt: QuizAttempt) -> tuple[Response, float]:
    """Answer the current question as the browser does; returns the response and the POST's seconds."""
    import random

    attempt.refresh_from_db()
    question = attempt.current_question
    answer = simulated_answer(question, True, random.Random(1))
    data = {"submission_id": str(uuid.uuid4()), "answer": answer}
    if isinstance(answer, list):
        data["answer"] = [str(a) for a in answer]
    elif isinstance(answer, bool):
        data["answer"] = "true" if answer else "false"
    started = time.perf_counter()
    reply = client.post(reverse("quiz_answer", args=[attempt.pk, question.pk]), data, HTTP_HX_REQUEST="true")
    elapsed = time.perf_counter() - started
    assert reply.status_code == 200, reply.content[:500]
    return Response.objects.get(submission_id=data["submission_id"]), elapsed


def _next_step(client: Client, attempt: QuizAttempt, response: Response) -> float:
    """Seconds from the answer's feedback to the page showing what follows, as htmx gets there."""
    def get(path: str) -> str:
        reply = client.get(path, HTTP_HX_REQUEST="true")
        assert reply.status_code == 200, reply.content[:500]
        return reply.content.decode()

    def post(path: str, data: dict[str, str]) -> str:
        reply = client.post(path, data, HTTP_HX_REQUEST="true")
        assert reply.status_code == 200, reply.content[:500]
        return reply.content.decode()

    started = time.perf_counter()
    body = follow_next_step(get, post, get(reverse("quiz_next", args=[attempt.pk, response.pk])))
    assert "Next question" in body or "summary" in body
    return time.perf_counter() - started


def test_the_worker_decides_and_the_web_shows_it(trained, people) -> None:
    client = Client()
    client.force_login(people.learner)
    attempt = quiz_attempt_start(user=people.learner, module=trained.modules.order_by("order").first())
    with running_worker(extra_env=_worker_env()):
        time.sleep(0.5)
        response, _ = _answer_over_http(client, attempt)
        wait_for(lambda: Decision.objects.filter(response=response, kind=Decision.QUESTION).exists(),
                 timeout=90, what="the worker's decision")
        _next_step(client, attempt, response)
    decision = Decision.objects.get(response=response, kind=Decision.QUESTION)
    assert decision.source == Decision.WORKER
    assert LearnerState.objects.get(user=people.learner).last_response_id == response.pk


def test_with_the_worker_stopped_the_web_decides_within_the_deadline(trained, people) -> None:
    client = Client()
    client.force_login(people.learner)
    attempt = quiz_attempt_start(user=people.learner, module=trained.modules.order_by("order").first())
    responses = []
    for _ in range(3):
        response, post_seconds = _answer_over_http(client, attempt)
        assert post_seconds < 1.0, "the answer is stored and acknowledged without waiting for a worker"
        waited = _next_step(client, attempt, response)
        assert waited < settings.PATHWISE_DECISION_DEADLINE_S + 0.8
        assert Decision.objects.get(response=response, kind=Decision.QUESTION).source == Decision.WEB
        responses.append(response)
    assert not LearnerState.objects.filter(user=people.learner, last_response_id=responses[-1].pk).exists()

    # The worker comes back: the queued messages catch the state up, and the reconciliation finds
    # nothing left to do; the decisions the learner saw stay as they were.
    with running_worker(extra_env=_worker_env()):
        wait_for(lambda: LearnerState.objects.filter(user=people.learner,
                                                     last_response_id=responses[-1].pk).exists(),
                 timeout=90, what="the worker to catch up")
    reconcile_learner_states()  # the simulated learners of the fixture have never been processed
    assert reconcile_learner_states() == 0, "nothing is left behind"
    assert all(Decision.objects.get(response=r, kind=Decision.QUESTION).source == Decision.WEB for r in responses)
