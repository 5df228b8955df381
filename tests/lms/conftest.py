"""Shared test base: a learner, a teammate, a manager of their team, an admin and an outsider
(a learner in another team)."""

from __future__ import annotations

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
def _eager_celery(settings: object) -> None:
    """Unit tests run tasks in-process; integration tests start a real worker instead."""
    settings.CELERY_TASK_ALWAYS_EAGER = True  # type: ignore[attr-defined]
    from lms.celery import app

    app.conf.task_always_eager = True
