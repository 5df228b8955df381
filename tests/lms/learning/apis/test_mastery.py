from __future__ import annotations

import pytest
from django.test import Client

from adaptive.models import LearnerState, ModelVersion
from tests.lms.api.helpers import client_for
from tests.lms.factories import CourseFactory, ModuleFactory, SkillFactory, UserFactory


def url(user) -> str:
    return f"/api/v1/learners/{user.pk}/mastery/"


@pytest.fixture
def skills(catalogue):
    """Besides "fractions" (tested by the quiz): a skill the course owns, one its module teaches, and one
    of another course."""
    decimals = SkillFactory(slug="decimals", name="Decimals")
    catalogue.course.skills.add(decimals)
    algebra = SkillFactory(slug="algebra", name="Algebra")
    catalogue.module.skills.add(algebra)
    elsewhere = SkillFactory(slug="poetry", name="Poetry")
    ModuleFactory(course=CourseFactory(slug="words")).skills.add(elsewhere)
    return catalogue


@pytest.fixture
def state(people):
    version = ModelVersion.objects.create(name="pfa", artifact="pfa-1.pt", sha256="0" * 64)
    return LearnerState.objects.create(user=people.learner, model_version=version, responses_seen=7,
                                       mastery={"fractions": 0.8123, "algebra": 0.41, "poetry": 0.9})


@pytest.fixture
def other_manager(people):
    manager = UserFactory(username="otto", role="manager")
    people.other_team.managers.add(manager)
    return manager


def test_it_lists_every_skill_of_the_course_with_the_stored_mastery(people, skills, state):
    r = client_for(people.learner).get(url(people.learner), {"course": "maths"})
    assert r.status_code == 200, r.content
    assert r.json() == {
        "user": people.learner.pk, "course": "maths", "model_version": state.model_version_id, "responses_seen": 7,
        "skills": [
            {"skill": "algebra", "name": "Algebra", "mastery": 0.41, "estimated": True},
            {"skill": "decimals", "name": "Decimals", "mastery": None, "estimated": False},
            {"skill": "fractions", "name": "Fractions", "mastery": 0.8123, "estimated": True},
        ],
    }


def test_it_answers_before_the_first_answer(people, skills):
    r = client_for(people.learner).get(url(people.learner), {"course": "maths"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["model_version"], body["responses_seen"]) == (None, 0)
    assert [(s["skill"], s["mastery"], s["estimated"]) for s in body["skills"]] == [
        ("algebra", None, False), ("decimals", None, False), ("fractions", None, False)]


def test_it_shows_a_learner_to_their_manager_and_admins(people, skills, state):
    for viewer in (people.manager, people.admin):
        r = client_for(viewer).get(url(people.learner), {"course": "maths"})
        assert r.status_code == 200, viewer
        assert r.json()["responses_seen"] == 7


def test_it_shows_the_outsider_to_their_own_manager(people, skills, other_manager):
    assert client_for(other_manager).get(url(people.outsider), {"course": "maths"}).status_code == 200


@pytest.mark.parametrize(("viewer", "learner"), [
    ("teammate", "learner"), ("outsider", "learner"), ("learner", "teammate"),
    ("manager", "outsider"), ("other_manager", "learner"), ("learner", "admin"),
])
def test_it_hides_learners_out_of_scope_as_404(people, skills, state, other_manager, viewer, learner):
    who = {"other_manager": other_manager}.get(viewer) or getattr(people, viewer)
    assert client_for(who).get(url(getattr(people, learner)), {"course": "maths"}).status_code == 404


def test_it_gives_404_for_unknown_users(people, skills):
    for path in ("/api/v1/learners/999999/mastery/", f"/api/v1/learners/{'9' * 30}/mastery/"):
        assert client_for(people.admin).get(path, {"course": "maths"}).status_code == 404


@pytest.mark.parametrize("query", [{}, {"course": "nope"}, {"course": "bad slug"}, {"course": "maths\x00"},
                                   {"course": "draft"}])
def test_it_refuses_a_missing_or_unknown_course(people, skills, query):
    r = client_for(people.learner).get(url(people.learner), query)
    assert r.status_code == 400, r.content
    assert set(r.json()) == {"course"}


def test_it_shows_unpublished_courses_to_admins_only(people, skills):
    assert client_for(people.admin).get(url(people.learner), {"course": "draft"}).status_code == 200
    assert client_for(people.manager).get(url(people.learner), {"course": "draft"}).status_code == 400


def test_it_requires_authentication(people, skills):
    assert Client().get(url(people.learner), {"course": "maths"}).status_code == 401


def test_it_writes_nothing(people, skills):
    client_for(people.manager).get(url(people.learner), {"course": "maths"})
    assert not LearnerState.objects.exists()


def test_it_refuses_the_wrong_method(people, skills):
    assert client_for(people.admin).post(url(people.learner)).status_code == 405
