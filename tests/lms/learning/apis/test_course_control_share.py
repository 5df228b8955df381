"""Setting a course's control share (the fixed-order group of an adaptive vs fixed comparison)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.lms.api.helpers import client_for, patch_json
from tests.lms.factories import UserFactory

URL = "/api/v1/courses/maths/"


def test_it_lets_admins_set_the_control_share(people, catalogue):
    r = patch_json(client_for(people.admin), URL, {"control_share": 0.25})
    assert r.status_code == 200, r.content
    assert r.json()["control_share"] == 0.25
    catalogue.course.refresh_from_db()
    assert catalogue.course.control_share == 0.25
    assert (catalogue.course.title, catalogue.course.target_success) == ("Maths", 0.7)  # the rest unchanged
    again = patch_json(client_for(people.admin), URL, {"control_share": 0.25})
    assert again.json() == r.json() | {"updated": again.json()["updated"]}


def test_it_shows_the_control_share_to_readers(people, catalogue):
    assert client_for(people.learner).get(URL).json()["control_share"] == 0.0
    assert client_for(people.admin).get("/api/v1/courses/").json()["results"][0]["control_share"] == 0.0


@pytest.mark.parametrize("value", [2.0, 1.0, 0.51, -0.1, "abc", None, "1e999", "nan", "0.1\x00", [0.1], True])
def test_it_refuses_a_bad_share_and_changes_nothing(people, catalogue, value):
    r = patch_json(client_for(people.admin), URL, {"control_share": value})
    assert r.status_code == 400, (value, r.content)
    assert set(r.json()) == {"control_share"}
    catalogue.course.refresh_from_db()
    assert catalogue.course.control_share == 0.0


@pytest.mark.parametrize("who", ["learner", "teammate", "manager", "outsider"])
def test_it_lets_only_admins_set_it(people, catalogue, who):
    assert patch_json(client_for(getattr(people, who)), URL, {"control_share": 0.3}).status_code == 403
    catalogue.course.refresh_from_db()
    assert catalogue.course.control_share == 0.0


def test_it_refuses_managers_of_other_teams(people, catalogue):
    manager = UserFactory(username="otto", role="manager")
    people.other_team.managers.add(manager)
    assert patch_json(client_for(manager), URL, {"control_share": 0.3}).status_code == 403


def test_it_requires_authentication(people, catalogue):
    assert patch_json(Client(), URL, {"control_share": 0.3}).status_code == 401


def test_it_gives_404_for_an_unknown_course(people, catalogue):
    assert patch_json(client_for(people.admin), "/api/v1/courses/nope/", {"control_share": 0.3}).status_code == 404
