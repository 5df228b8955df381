"""A real worker process: the request id of an answer follows it into the worker's JSON log lines,
and the worker answers the healthcheck compose runs (``celery inspect ping``) while it runs, and
not once it is gone or the broker cannot be reached."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from adaptive.models import Decision
from lms.learning.models import QuizAttempt, Response
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, UserFactory, add_to_quiz
from tests.lms.integration import worker
from tests.lms.integration.worker import ROOT, running_worker, wait_for
from tests.lms.ops.test_health import closed_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def ping(node: str, **env: str) -> subprocess.CompletedProcess[str]:
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    return subprocess.run([celery, "-A", "lms", "inspect", "ping", "-d", node, "--timeout", "10"], cwd=ROOT,
                          env={**os.environ, "DATABASE_URL": worker.test_database_url(), **env},
                          capture_output=True, text=True, timeout=120)


def test_the_answers_request_id_reaches_the_workers_log_and_the_worker_answers_its_healthcheck() -> None:
    learner = UserFactory(role="learner")
    module = ModuleFactory(course=CourseFactory())
    add_to_quiz(module, QuestionFactory(difficulty=1), QuestionFactory(difficulty=3))
    client = client_for(learner)
    started = client.post(reverse("quiz_start", args=[module.course.slug, module.slug]))
    attempt = QuizAttempt.objects.get(pk=started.url.split("/")[2])
    page = client.get(reverse("quiz", args=[attempt.pk])).content.decode()
    fields = dict(re.findall(r'name="(submission_id|shown_at)" value="([^"]*)"', page))
    question = attempt.current_question
    node = f"celery@{socket.gethostname()}"
    log_path = Path(settings.VAR_DIR) / f"worker-{os.getpid()}.log"

    with running_worker(extra_env={"PATHWISE_LOG_JSON": "1"}):
        healthy = ping(node)
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        assert "pong" in healthy.stdout
        reply = client.post(reverse("quiz_answer", args=[attempt.pk, question.pk]),
                            {**fields, "answer": question.choices.get(is_correct=True).pk},
                            HTTP_HX_REQUEST="true", HTTP_X_REQUEST_ID="answer-4242")
        assert reply.status_code == 200
        response = Response.objects.get(submission_id=fields["submission_id"])
        wait_for(lambda: Decision.objects.filter(response=response, kind=Decision.QUESTION).exists(),
                 timeout=90, what="the worker's decision")
        records = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]

        def processed() -> bool:
            nonlocal records
            records = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
            return any("process_response" in r["message"] and "succeeded" in r["message"] for r in records)

        wait_for(processed, timeout=30, what="the worker to log the task's end")

    assert Decision.objects.get(response=response, kind=Decision.QUESTION).source == Decision.WORKER
    task_lines = [r for r in records if "lms.learning.tasks.process_response" in r["message"]
                  and "succeeded" in r["message"]]
    # Messages other tests left in the run's broker folder may be processed too, each with its own id.
    assert [r["request_id"] for r in task_lines].count("answer-4242") == 1
    assert all({"time", "level", "logger", "message", "request_id"} <= set(r) for r in records)

    gone = ping(node)
    assert gone.returncode != 0, "a worker that has stopped does not answer"
    unreachable = ping(node, CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0")
    assert unreachable.returncode != 0
