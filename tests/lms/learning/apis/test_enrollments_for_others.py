"""Enrolling someone else, on a chosen path: what experiments and integrations need."""

from __future__ import annotations

import pytest
from django.test import Client

from lms.learning.models import Enrollment
from tests.lms.api.helpers import client_for, post_json
from tests.lms.factories import UserFactory

URL = "/api/v1/enrollments/"


@pytest.fixture
def other_manager(people):
    manager = UserFactory(username="otto", role="manager")
    people.other_team.managers.add(manager)
    return manager


def test_it_lets_admins_enrol_anyone_on_a_chosen_path(people, catalogue):
    client = client_for(people.admin)
    for user, path in ((people.learner, "fixed"), (people.outsider, "adaptive")):
        r = post_json(client, URL, {"course": "maths", "user": user.pk, "path": path})
        assert r.status_code == 201, r.content
        assert (r.json()["user"], r.json()["path"]) == (user.pk, path)
        assert Enrollment.objects.get(user=user, course=catalogue.course).path == path
    assert not Enrollment.objects.filter(user=people.admin).exists()


def test_it_lets_managers_enrol_their_teams_members(people, catalogue):
    r = post_json(client_for(people.manager), URL, {"course": "maths", "user": people.teammate.pk, "path": "fixed"})
    assert r.status_code == 201, r.content
    assert r.json()["username"] == "bob"
    assert Enrollment.objects.get(user=people.teammate).path == "fixed"


def test_it_never_changes_the_path_of_an_existing_enrolment(people, catalogue):
    client = client_for(people.admin)
    first = post_json(client, URL, {"course": "maths", "user": people.learner.pk, "path": "fixed"})
    again = post_json(client, URL, {"course": "maths", "user": people.learner.pk, "path": "adaptive"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["path"] == "fixed"
    mine = post_json(client_for(people.learner), URL, {"course": "maths"})
    assert (mine.status_code, mine.json()["path"]) == (200, "fixed")
    assert Enrollment.objects.filter(user=people.learner).count() == 1


def test_it_draws_a_learners_own_path_from_the_control_share(people, catalogue):
    catalogue.course.control_share = 0.5
    catalogue.course.save()
    paths = set()
    for i in range(40):
        learner = UserFactory(username=f"l{i}")
        r = post_json(client_for(learner), URL, {"course": "maths"})
        assert r.status_code == 201
        paths.add(r.json()["path"])
    assert paths == {"adaptive", "fixed"}  # 1 in 2**39 that this fails by chance


def test_it_puts_learners_on_the_adaptive_path_without_a_control_share(people, catalogue):
    r = post_json(client_for(people.learner), URL, {"course": "maths", "user": people.learner.pk})
    assert (r.status_code, r.json()["path"]) == (201, "adaptive")


@pytest.mark.parametrize("who", ["learner", "teammate"])
def test_it_refuses_learners_enrolling_someone_else(people, catalogue, who):
    for target in (people.outsider.pk, people.teammate.pk if who == "learner" else people.learner.pk, 999999):
        r = post_json(client_for(getattr(people, who)), URL, {"course": "maths", "user": target})
        assert r.status_code == 403, target
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize("who", ["learner", "teammate", "outsider"])
def test_it_refuses_learners_choosing_a_path(people, catalogue, who):
    r = post_json(client_for(getattr(people, who)), URL, {"course": "maths", "path": "adaptive"})
    assert r.status_code == 403
    assert not Enrollment.objects.exists()


def test_it_refuses_managers_enrolling_other_teams(people, catalogue, other_manager):
    for manager, target in ((people.manager, people.outsider), (other_manager, people.learner),
                            (people.manager, people.admin)):
        r = post_json(client_for(manager), URL, {"course": "maths", "user": target.pk, "path": "fixed"})
        assert r.status_code == 403
    assert post_json(client_for(people.manager), URL, {"course": "maths", "user": 999999}).status_code == 403
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"course": "maths", "user": 999999}, "user"),
    ({"course": "maths", "user": 0}, "user"),
    ({"course": "maths", "user": "alice"}, "user"),
    ({"course": "maths", "user": 2**64}, "user"),
    ({"course": "maths", "path": "random"}, "path"),
    ({"course": "maths", "path": "fixed\x00"}, "path"),
    ({"course": "draft", "user": 1}, "course"),
    ({"course": "nope", "path": "fixed"}, "course"),
])
def test_it_refuses_bad_input_from_admins(people, catalogue, body, field):
    r = post_json(client_for(people.admin), URL, body)
    assert r.status_code == 400, r.content
    assert field in r.json()
    assert not Enrollment.objects.exists()


def test_it_requires_authentication_to_enrol_anyone(people, catalogue):
    r = post_json(Client(), URL, {"course": "maths", "user": people.learner.pk, "path": "fixed"})
    assert r.status_code == 401
    assert not Enrollment.objects.exists()


def test_it_lists_the_path(people, catalogue):
    post_json(client_for(people.admin), URL, {"course": "maths", "user": people.learner.pk, "path": "fixed"})
    rows = client_for(people.learner).get(URL).json()["results"]
    assert [row["path"] for row in rows] == ["fixed"]
