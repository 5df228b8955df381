"""/metrics: who may read it, the product's metrics after a real answer, and the values read when
scraped (queue depths from the real broker, tolerant of its outage)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from adaptive.models import Decision, TrainingRun
from adaptive.tasks import noop
from lms.celery import app
from lms.content.models import Question
from lms.learning.models import QuizAttempt, Response
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz
from tests.lms.ops.test_health import broker_down  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def scrape(**headers: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = Client(REMOTE_ADDR="10.0.3.7", HTTP_HOST="10.0.3.7:8000").get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def quiz_module():  # type: ignore[no-untyped-def]
    module = ModuleFactory(course=CourseFactory())
    skill = SkillFactory()
    module.skills.add(skill)
    questions = [QuestionFactory(difficulty=d) for d in (1, 3)]
    for question in questions:
        question.skills.add(skill)
    add_to_quiz(module, *questions)
    return module


def test_it_counts_an_answer_and_times_its_decision(people, quiz_module, django_capture_on_commit_callbacks) -> None:
    before = scrape()
    client = client_for(people.learner)
    started = client.post(reverse("quiz_start", args=[quiz_module.course.slug, quiz_module.slug]))
    attempt = QuizAttempt.objects.get(pk=started.url.split("/")[2])
    page = client.get(reverse("quiz", args=[attempt.pk])).content.decode()
    fields = dict(re.findall(r'name="(submission_id|shown_at)" value="([^"]*)"', page))
    question: Question = attempt.current_question
    data = {**fields, "answer": question.choices.get(is_correct=True).pk}
    url = reverse("quiz_answer", args=[attempt.pk, question.pk])
    # The test's transaction never commits: run what a commit would (the metrics count committed rows).
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 200  # the same submission again
    after = scrape()

    assert value(after, "pathwise_answers_stored_total") - value(before, "pathwise_answers_stored_total") == 1
    # Tasks run eagerly here, so the worker's decision is stored within the answer's request.
    assert Decision.objects.filter(response__quiz_attempt=attempt, kind=Decision.QUESTION,
                                   source=Decision.WORKER).count() == 1
    timed = "pathwise_answer_to_decision_seconds_count"
    assert value(after, timed, source="worker") - value(before, timed, source="worker") == 1
    assert value(after, "pathwise_answer_to_decision_seconds_bucket", source="worker", le="+Inf") >= 1
    # django-prometheus's own request metrics are there too.
    assert any(name.startswith("django_http_requests_total") for name, _ in after)


def test_it_reads_the_queues_the_registry_and_training_runs_when_scraped() -> None:
    TrainingRun.objects.create(model_name="skill_elo", status=TrainingRun.FAILED)
    TrainingRun.objects.create(model_name="skill_elo", status=TrainingRun.QUEUED)
    eager = app.conf["CELERY_TASK_ALWAYS_EAGER"]
    baseline = value(scrape(), "pathwise_queue_depth", queue="realtime")
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = False
    try:
        noop.delay()  # no worker runs in this test: it waits in the real-time queue
    finally:
        app.conf["CELERY_TASK_ALWAYS_EAGER"] = eager
    samples = scrape()
    assert value(samples, "pathwise_broker_up") == 1
    assert value(samples, "pathwise_queue_depth", queue="realtime") == baseline + 1
    assert ("pathwise_queue_depth", (("queue", "training"),)) in samples
    assert ("pathwise_queue_depth", (("queue", "default"),)) in samples
    assert value(samples, "pathwise_champion_version") == 0  # the interpretable fallback serves
    assert value(samples, "pathwise_training_runs_total", outcome="failed") == 1
    assert value(samples, "pathwise_training_runs_active", status="queued") == 1


def test_it_reports_the_answers_still_waiting_for_a_worker(people, quiz_module) -> None:
    samples = scrape()
    assert value(samples, "pathwise_answers_unprocessed") == 0
    assert value(samples, "pathwise_oldest_unprocessed_answer_seconds") == 0
    # Two answers stored while no worker ran (the test's transaction never commits, so nothing is
    # queued), the older one five minutes ago.
    question = quiz_module.quiz_questions()[0]
    for minutes in (5, 1):
        Response.objects.create(user=people.learner, question=question, module=quiz_module, course=quiz_module.course,
                                answer=question.choices.first().pk, is_correct=False, score=0.0,
                                submission_id=uuid.uuid4(), attempt_number=1,
                                created=timezone.now() - timedelta(minutes=minutes))
    samples = scrape()
    assert value(samples, "pathwise_answers_unprocessed") == 2
    assert 300 <= value(samples, "pathwise_oldest_unprocessed_answer_seconds") < 400


def test_it_still_answers_when_the_broker_is_down(broker_down) -> None:  # noqa: F811 - the fixture
    samples = scrape()
    assert value(samples, "pathwise_broker_up") == 0
    assert not any(name == "pathwise_queue_depth" for name, _ in samples)
    assert ("pathwise_answers_stored_total", ()) in samples


@pytest.mark.parametrize(("address", "headers"), [
    ("1.1.1.1", {}),  # a public address (the documentation ranges count as private)
    ("10.0.3.7", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}),  # relayed by the proxy in front
])
def test_it_refuses_anyone_outside_without_a_token(address: str, headers: dict[str, str]) -> None:
    response = Client(REMOTE_ADDR=address, HTTP_HOST=address).get("/metrics", **headers)
    assert response.status_code == 403
    assert b"pathwise_" not in response.content


def test_it_asks_for_the_token_when_one_is_set(settings) -> None:
    settings.PATHWISE_METRICS_TOKEN = "s3cret-scrape-token"
    outside = Client(REMOTE_ADDR="203.0.113.9", HTTP_HOST="learn.example.org", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert outside.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token").status_code == 200
