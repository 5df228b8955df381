"""Shared test base: a learner, a teammate, a manager of their team, an admin and an outsider
(a learner in another team)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client

from tests.lms.factories import TeamFactory, UserFactory


@dataclass
class People:
    learner: object
    teammate: object
    manager: object
    admin: object
    outsider: object
    team: object
    other_team: object


@pytest.fixture
def people(db: None) -> People:
    learner = UserFactory(username="alice", role="learner")
    teammate = UserFactory(username="bob", role="learner")
    outsider = UserFactory(username="charlie", role="learner")
    manager = UserFactory(username="maria", role="manager")
    admin = UserFactory(username="ada", role="admin")
    team = TeamFactory(name="Analysts", slug="analysts")
    team.members.add(learner, teammate)
    team.managers.add(manager)
    other_team = TeamFactory(name="Sales", slug="sales")
    other_team.members.add(outsider)
    return People(learner, teammate, manager, admin, outsider, team, other_team)


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


@pytest.fixture(autouse=True)
def _eager_celery(request: pytest.FixtureRequest) -> Iterator[None]:
    """Unit tests run tasks in-process; integration tests (marked ``integration``) publish to the
    real broker and a real worker process runs them."""
    from lms.celery import app

    # Celery reads Django's namespaced name first, so that is the key to override.
    eager = request.node.get_closest_marker("integration") is None
    previous = app.conf["CELERY_TASK_ALWAYS_EAGER"]
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = eager
    yield
    app.conf["CELERY_TASK_ALWAYS_EAGER"] = previous


@pytest.fixture(scope="session", autouse=True)
def _remove_test_broker_folder() -> Iterator[None]:
    yield
    import shutil

    from django.conf import settings

    if "test-broker-" in str(settings.BROKER_DIR):
        shutil.rmtree(settings.BROKER_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_course_structures() -> Iterator[None]:
    """Course structures and the champion model are cached per process, and marks such as a pending
    progress refresh live in the shared cache; every test starts from its own database, so none of
    them may leak from one test to the next."""
    from django.core.cache import cache

    from adaptive import registry
    from adaptive.structure import forget_structures

    forget_structures()
    registry.forget()
    cache.clear()
    yield
    forget_structures()
    registry.forget()
