"""Redis (the cache) stopped while learners answer through the pages and the API of a live server:
no server error, no answer lost, sessions still valid, sign-in lockouts still counted, and the
learner states caught up once it is back. A real redis-server on a port of its own is stopped and
started again; nothing is mocked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
import requests

from adaptive.models import Decision, LearnerState
from adaptive.services import model_version_promote, model_version_train
from lms.learning.models import Response
from lms.learning.tasks import reconcile_learner_states
from tests.adaptive.django_layer.conftest import _isolated_models, course_with_activity  # noqa: F401
from tests.lms.factories import UserFactory
from tests.lms.integration.learners import ApiLearner, Learner, PageLearner, Tally, answer_key
from tests.lms.redis_server import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trained(course_with_activity):  # noqa: F811 - the imported fixture
    model_version_promote(version=model_version_train(model_name="skill_elo", promote=False).version)
    return course_with_activity


@pytest.fixture
def redis_cache(settings) -> Iterator[RedisServer]:  # type: ignore[no-untyped-def]
    with RedisServer() as server:
        settings.CACHES = {"default": {"BACKEND": "lms.cache.OutageTolerantRedisCache",
                                       "LOCATION": server.url(), "KEY_PREFIX": "outage"}}
        yield server


def _answer_rounds(learners: list[Learner], rounds: int) -> None:
    for _ in range(rounds):
        for learner in learners:
            learner.answer_one()


def _wrong_sign_ins(base_url: str, username: str, times: int) -> list[int]:
    http = requests.Session()
    http.get(f"{base_url}/accounts/login/", timeout=30)
    statuses = []
    for _ in range(times):
        reply = http.post(f"{base_url}/accounts/login/", timeout=30,
                          data={"username": username, "password": "not the password"},
                          headers={"X-CSRFToken": http.cookies.get("csrftoken", "")})
        statuses.append(reply.status_code)
    return statuses


def test_it_keeps_learners_answering_while_redis_is_away(live_server, trained, people, redis_cache,
                                                         settings) -> None:
    module = trained.modules.order_by("order").first()
    answers, tally = answer_key(trained), Tally()
    api_user = UserFactory(username="dana", role="learner")
    learners: list[Learner] = [
        PageLearner(live_server.url, people.learner, module, answers, tally),
        PageLearner(live_server.url, people.teammate, module, answers, tally),
        ApiLearner(live_server.url, people.outsider, module, answers, tally),
        ApiLearner(live_server.url, api_user, module, answers, tally),
    ]
    _answer_rounds(learners, 2)
    assert redis.Redis.from_url(redis_cache.url()).dbsize() > 0, "the cache is in use before the outage"

    redis_cache.stop()
    tally.phase = "redis away"
    _answer_rounds(learners, 6)
    # Sign-in lockouts are counted in the database (django-axes), so they hold without Redis.
    limit = settings.AXES_FAILURE_LIMIT
    statuses = _wrong_sign_ins(live_server.url, people.manager.username, limit + 1)
    assert statuses == [200] * (limit - 1) + [429, 429], statuses

    redis_cache.start()
    tally.phase = "redis back"
    _answer_rounds(learners, 2)

    assert not tally.server_errors, tally.errors_seen
    assert tally.answers == {"before": 8, "redis away": 24, "redis back": 8}
    stored = Response.objects.filter(submission_id__in=list(tally.acknowledged))
    assert stored.count() == len(tally.acknowledged) == 40, "every answer stored, once"
    assert Decision.objects.filter(response__in=stored, kind=Decision.QUESTION).count() == 40, \
        "each answer has its next step decided"

    # Nothing reached a worker (none runs here): the periodic reconciliation catches every state up.
    reconcile_learner_states()
    for learner in learners:
        last = Response.objects.filter(user_id=learner.user_id).order_by("-id").first()
        state = LearnerState.objects.get(user_id=learner.user_id)
        assert state.last_response_id == last.pk
        assert state.responses_seen == Response.objects.filter(user_id=learner.user_id).count()
