from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from adaptive import registry
from adaptive.models import Decision, ModelVersion
from lms.learning.models import Enrollment, ModuleCompletion
from tests.lms.api.helpers import client_for
from tests.lms.factories import ModuleFactory, UserFactory

URL = "/api/v1/courses/maths/recommendation/"


@pytest.fixture
def two_modules(catalogue, people):
    """Two modules in order. The learners follow the fixed order (the control group), so what is
    recommended does not depend on a learner model; the adaptive path is tested with a stand-in."""
    ModuleFactory(course=catalogue.course, slug="taking-away", title="Taking away", order=10**6)
    for learner in (people.learner, people.teammate, people.outsider):
        Enrollment.objects.create(user=learner, course=catalogue.course, path=Enrollment.FIXED)
    return catalogue


@pytest.fixture
def other_manager(people):
    manager = UserFactory(username="otto", role="manager")
    people.other_team.managers.add(manager)
    return manager


def test_it_recommends_before_the_first_answer_and_stores_nothing(people, two_modules):
    r = client_for(people.learner).get(URL)
    assert r.status_code == 200, r.content
    module = two_modules.module
    assert r.json() == {
        "module": {"id": module.pk, "slug": "adding", "title": "Adding"}, "kind": "next_in_order",
        "reason": r.json()["reason"], "learner_reason": "Adding is next in the course.", "decided_at": None,
        "model_version": None,
    }
    assert r.json()["reason"]
    assert not Decision.objects.exists()


def test_it_follows_what_is_done(people, two_modules):
    ModuleCompletion.objects.create(user=people.learner, module=two_modules.module, completed_at=timezone.now(),
                                    best_score=1.0)
    assert client_for(people.learner).get(URL).json()["module"]["slug"] == "taking-away"
    ModuleCompletion.objects.create(user=people.learner, module=two_modules.course.modules.get(slug="taking-away"),
                                    completed_at=timezone.now(), best_score=1.0)
    done = client_for(people.learner).get(URL).json()
    assert (done["module"], done["kind"]) == (None, "done")
    assert not Decision.objects.exists()


def test_it_returns_the_stored_recommendation_while_it_stands(people, two_modules):
    stored = Decision.objects.create(user=people.learner, kind=Decision.MODULE, course=two_modules.course,
                                     module=two_modules.module, decision_kind="assigned", reason="Your manager asked.",
                                     source=Decision.WORKER)
    body = client_for(people.learner).get(URL).json()
    assert (body["module"]["id"], body["kind"], body["reason"]) == (two_modules.module.pk, "assigned",
                                                                    "Your manager asked.")
    assert body["decided_at"] is not None
    assert Decision.objects.get() == stored


def test_it_stores_nothing_when_the_stored_one_no_longer_stands(people, two_modules):
    Decision.objects.create(user=people.learner, kind=Decision.MODULE, course=two_modules.course,
                            module=two_modules.module, decision_kind="learn", reason="Start here.")
    Decision.objects.update(created=timezone.now() - timedelta(days=3))
    ModuleCompletion.objects.create(user=people.learner, module=two_modules.module, completed_at=timezone.now(),
                                    best_score=1.0)
    body = client_for(people.learner).get(URL).json()
    assert (body["module"]["slug"], body["decided_at"]) == ("taking-away", None)
    assert Decision.objects.count() == 1


def test_it_shows_a_learner_to_their_manager_and_admins(people, two_modules, other_manager):
    for viewer, learner in ((people.manager, people.teammate), (people.admin, people.outsider),
                            (other_manager, people.outsider), (people.learner, people.learner)):
        r = client_for(viewer).get(URL, {"user": learner.pk})
        assert r.status_code == 200, (viewer, learner)
        assert r.json()["module"]["slug"] == "adding"
    assert not Decision.objects.exists()


@pytest.mark.parametrize(("viewer", "learner"), [
    ("learner", "teammate"), ("teammate", "learner"), ("outsider", "learner"),
    ("manager", "outsider"), ("other_manager", "learner"),
])
def test_it_hides_learners_out_of_scope_as_404(people, two_modules, other_manager, viewer, learner):
    who = {"other_manager": other_manager}.get(viewer) or getattr(people, viewer)
    assert client_for(who).get(URL, {"user": getattr(people, learner).pk}).status_code == 404
    assert not Decision.objects.exists()


def test_it_gives_404_for_unknown_and_hidden_courses(people, two_modules):
    assert client_for(people.learner).get("/api/v1/courses/nope/recommendation/").status_code == 404
    assert client_for(people.learner).get("/api/v1/courses/draft/recommendation/").status_code == 404
    assert client_for(people.admin).get("/api/v1/courses/draft/recommendation/").status_code == 200
    assert client_for(people.admin).get(URL, {"user": 999999}).status_code == 404


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "9" * 30, "1\x00"])
def test_it_refuses_a_malformed_user(people, two_modules, value):
    r = client_for(people.manager).get(URL, {"user": value})
    assert r.status_code == 400
    assert set(r.json()) == {"user"}


def test_it_requires_authentication(people, two_modules):
    assert Client().get(URL).status_code == 401


def test_it_refuses_the_wrong_method(people, two_modules):
    assert client_for(people.learner).post(URL).status_code == 405


class FlatModel:
    """A stand-in champion that predicts the same success on every skill, with or without answers."""

    uses_time = False

    def init_state(self) -> dict:
        return {}

    def predict_skills(self, state: dict, skills: list[str], at: object = None) -> list[float]:
        return [0.3] * len(skills)


@pytest.fixture
def champion(db, monkeypatch):
    version = ModelVersion.objects.create(name="flat", artifact="flat.pt", sha256="0" * 64,
                                          status=ModelVersion.CHAMPION)
    loaded = registry.LoadedModel(version=version, model=FlatModel())
    for name in ("champion", "serving"):
        monkeypatch.setattr(registry, name, lambda: loaded, raising=False)
    return version


def test_it_recommends_from_the_models_prior_before_the_first_answer(people, two_modules, champion):
    two_modules.module.skills.add(two_modules.skill)
    Enrollment.objects.filter(user=people.learner).update(path=Enrollment.ADAPTIVE)
    r = client_for(people.manager).get(URL, {"user": people.learner.pk})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["module"]["slug"], body["kind"]) == ("adding", "learn")
    assert (body["model_version"], body["decided_at"]) == (champion.pk, None)
    assert not Decision.objects.exists()


def test_it_follows_the_fixed_order_for_the_control_group(people, two_modules, champion):
    two_modules.module.skills.add(two_modules.skill)
    body = client_for(people.learner).get(URL).json()
    assert (body["module"]["slug"], body["kind"], body["model_version"]) == ("adding", "next_in_order", None)
    assert not Decision.objects.exists()
