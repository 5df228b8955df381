"""A Redis outage while learners answer: nothing is lost, nobody waits, and the reconciliation
catches the learner state up afterwards. A real Redis server is started and stopped; nothing is mocked.

This test points this process's Celery app at a private Redis for its duration. Tests that need the
default broker after it were seen to lose their messages in the same session, so it lives in its own
module, ordered after every other test that starts a worker (hence the name); the cause is not found
yet.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import kombu.pools
import pytest
from django.conf import settings
from django.test import Client

from adaptive.models import LearnerState
from adaptive.services import model_version_promote, model_version_train
from lms.celery import app
from lms.learning.models import Response
from lms.learning.services import quiz_attempt_start
from lms.learning.tasks import reconcile_learner_states
from tests.adaptive.django_layer.conftest import _isolated_models, course_with_activity  # noqa: F401
from tests.adaptive.django_layer.test_realtime_integration import _answer_over_http, _next_step

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trained(course_with_activity):  # noqa: F811 - the imported fixture
    model_version_promote(version=model_version_train(model_name="skill_elo", promote=False).version)
    return course_with_activity


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _private_redis(port: int) -> Iterator[subprocess.Popen]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def _drop_connections() -> None:
    # Not app.close(): that also deregisters the app, and shared tasks would stop resolving.
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # Kombu keeps process-wide producer and connection pools keyed by broker URL; a pool an earlier
    # test opened for the same URL would otherwise be handed back after it was closed here.
    kombu.pools.reset()
    # The AMQP helper also remembers what it declared on the old broker; start it afresh.
    app.__dict__.pop("amqp", None)


@contextmanager
def _broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at ``url`` (the worker gets it through its environment)."""
    previous = (app.conf["CELERY_BROKER_URL"], app.conf["CELERY_BROKER_TRANSPORT_OPTIONS"])
    _drop_connections()
    app.conf["CELERY_BROKER_URL"] = url
    app.conf["CELERY_BROKER_TRANSPORT_OPTIONS"] = {"socket_connect_timeout": 1, "socket_timeout": 1}
    try:
        yield
    finally:
        _drop_connections()
        app.conf["CELERY_BROKER_URL"], app.conf["CELERY_BROKER_TRANSPORT_OPTIONS"] = previous


def test_with_the_broker_stopped_nothing_is_lost(trained, people) -> None:
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    client = Client()
    client.force_login(people.learner)
    attempt = quiz_attempt_start(user=people.learner, module=trained.modules.order_by("order").first())
    with _broker(url):
        with _private_redis(port):
            pass  # started and stopped: the broker is now down
        responses = []
        for _ in range(3):
            response, post_seconds = _answer_over_http(client, attempt)
            assert post_seconds < 2.0, f"a broker outage must not hold the learner ({post_seconds:.2f}s)"
            waited = _next_step(client, attempt, response)
            assert waited < settings.PATHWISE_DECISION_DEADLINE_S + 0.8
            responses.append(response)
        assert Response.objects.filter(pk__in=[r.pk for r in responses]).count() == 3, "every answer is stored"

    # Nothing was queued while the broker was down; the periodic reconciliation catches up.
    assert reconcile_learner_states() >= 1
    assert LearnerState.objects.get(user=people.learner).last_response_id == responses[-1].pk
    state = LearnerState.objects.get(user=people.learner)
    assert state.responses_seen == Response.objects.filter(user=people.learner).count()
