from __future__ import annotations

from django.test import Client

from lms.learning.models import Enrollment
from tests.lms.api.helpers import client_for, post_json, results
from tests.lms.factories import CourseFactory, enrol

URL = "/api/v1/enrollments/"


def test_it_enrols_the_caller_once(people, catalogue):
    client = client_for(people.learner)
    first = post_json(client, URL, {"course": "maths"})
    assert first.status_code == 201, first.content
    assert first.json()["user"] == people.learner.pk
    assert first.json()["course"] == {"slug": "maths", "title": "Maths"}
    again = post_json(client, URL, {"course": "maths"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Enrollment.objects.filter(user=people.learner).count() == 1


def test_it_refuses_unknown_and_unpublished_courses(people, catalogue):
    client = client_for(people.learner)
    for body in ({"course": "draft"}, {"course": "nope"}, {"course": 12}, {"course": None}, {}):
        r = post_json(client, URL, body)
        assert r.status_code == 400, body
        assert set(r.json()) == {"course"}
    assert not Enrollment.objects.exists()


def test_it_lists_a_learners_own_enrolments(people, catalogue):
    enrol(people.learner, catalogue.course)
    enrol(people.teammate, catalogue.course)
    rows = results(client_for(people.learner).get(URL))
    assert [row["user"] for row in rows] == [people.learner.pk]


def test_it_gives_learners_a_404_for_someone_else(people, catalogue):
    enrol(people.teammate, catalogue.course)
    client = client_for(people.learner)
    assert client.get(URL, {"user": people.teammate.pk}).status_code == 404
    assert len(results(client.get(URL, {"user": people.learner.pk}))) == 0


def test_it_lists_a_managers_team_only(people, catalogue):
    for user in (people.learner, people.teammate, people.outsider):
        enrol(user, catalogue.course)
    client = client_for(people.manager)
    assert {row["username"] for row in results(client.get(URL))} == {"alice", "bob"}
    assert [row["username"] for row in results(client.get(URL, {"user": people.teammate.pk}))] == ["bob"]


def test_it_gives_managers_a_404_for_other_teams(people, catalogue):
    enrol(people.outsider, catalogue.course)
    client = client_for(people.manager)
    assert client.get(URL, {"user": people.outsider.pk}).status_code == 404
    assert client.get(URL, {"user": 999999}).status_code == 404


def test_it_lists_everyone_to_admins(people, catalogue):
    other = CourseFactory()
    for user in (people.learner, people.outsider):
        enrol(user, catalogue.course)
    enrol(people.outsider, other)
    client = client_for(people.admin)
    assert len(results(client.get(URL))) == 3
    assert len(results(client.get(URL, {"user": people.outsider.pk}))) == 2


def test_it_refuses_a_malformed_user_filter(people, catalogue):
    for value in ("abc", "-3", "0", "1.5", "9" * 30):
        r = client_for(people.manager).get(URL, {"user": value})
        assert r.status_code == 400, value
        assert set(r.json()) == {"user"}


def test_it_requires_authentication(db):
    assert Client().get(URL).status_code in (401, 403)
    assert post_json(Client(), URL, {"course": "maths"}).status_code in (401, 403)


def test_it_refuses_the_wrong_method(people, catalogue):
    assert client_for(people.learner).delete(URL).status_code == 405
