from __future__ import annotations

import pytest
from django.test import Client

from lms.accounts.models import Team
from tests.lms.api.helpers import client_for, post_json, results
from tests.lms.factories import UserFactory

URL = "/api/v1/teams/"


@pytest.fixture
def other_manager(people):
    manager = UserFactory(username="otto", role="manager")
    people.other_team.managers.add(manager)
    return manager


def test_it_lets_admins_create_a_team(people):
    r = post_json(client_for(people.admin), URL,
                  {"slug": "support", "name": "Support", "managers": ["maria"], "members": ["charlie", "bob"]})
    assert r.status_code == 201, r.content
    assert r.json() == {"slug": "support", "name": "Support", "managers": ["maria"], "members": ["bob", "charlie"]}
    team = Team.objects.get(slug="support")
    assert set(team.members.values_list("username", flat=True)) == {"bob", "charlie"}


def test_it_creates_an_empty_team(people):
    r = post_json(client_for(people.admin), URL, {"slug": "new", "name": "New"})
    assert r.status_code == 201, r.content
    assert r.json() == {"slug": "new", "name": "New", "managers": [], "members": []}


@pytest.mark.parametrize(("body", "field"), [
    ({"slug": "analysts", "name": "Other"}, "slug"),
    ({"slug": "other", "name": "Analysts"}, "name"),
    ({"slug": "bad slug", "name": "X"}, "slug"),
    ({"slug": "x\x00", "name": "X"}, "slug"),
    ({"slug": "x", "name": "X\x00"}, "name"),
    ({"slug": "x", "name": ""}, "name"),
    ({"name": "X"}, "slug"),
    ({"slug": "x", "name": "X", "members": ["nobody"]}, "members"),
    ({"slug": "x", "name": "X", "members": ["alice\x00"]}, "members"),
    ({"slug": "x", "name": "X", "members": "alice"}, "members"),
    ({"slug": "x", "name": "X", "managers": ["nobody"]}, "managers"),
    ({"slug": "x", "name": "X", "managers": ["alice"]}, "managers"),  # a learner
])
def test_it_refuses_bad_input_and_writes_nothing(people, body, field):
    teams = Team.objects.count()
    r = post_json(client_for(people.admin), URL, body)
    assert r.status_code == 400, r.content
    assert field in r.json()
    assert Team.objects.count() == teams


def test_it_names_unknown_usernames(people):
    r = post_json(client_for(people.admin), URL, {"slug": "x", "name": "X", "members": ["alice", "zed", "yan"]})
    assert r.json() == {"members": ["no user named 'zed', 'yan'"]}


@pytest.mark.parametrize("who", ["learner", "teammate", "manager"])
def test_it_lets_only_admins_create_teams(people, who):
    r = post_json(client_for(getattr(people, who)), URL, {"slug": "x", "name": "X"})
    assert r.status_code == 403
    assert not Team.objects.filter(slug="x").exists()


def test_it_refuses_managers_of_other_teams_too(people, other_manager):
    assert post_json(client_for(other_manager), URL, {"slug": "x", "name": "X"}).status_code == 403


def test_it_requires_authentication(people):
    assert Client().get(URL).status_code == 401
    assert post_json(Client(), URL, {"slug": "x", "name": "X"}).status_code == 401
    assert post_json(Client(), f"{URL}analysts/members/", {"members": ["charlie"]}).status_code == 401


def test_it_lists_every_team_to_admins(people):
    rows = results(client_for(people.admin).get(URL))
    assert rows == [
        {"slug": "analysts", "name": "Analysts", "managers": ["maria"], "members": ["alice", "bob"]},
        {"slug": "sales", "name": "Sales", "managers": [], "members": ["charlie"]},
    ]


def test_it_lists_a_managers_own_teams(people, other_manager):
    assert [row["slug"] for row in results(client_for(people.manager).get(URL))] == ["analysts"]
    assert [row["slug"] for row in results(client_for(other_manager).get(URL))] == ["sales"]


@pytest.mark.parametrize("who", ["learner", "teammate", "outsider"])
def test_it_refuses_learners_the_list(people, who):
    assert client_for(getattr(people, who)).get(URL).status_code == 403


def test_it_adds_members_once(people):
    client = client_for(people.admin)
    for _ in range(2):
        r = post_json(client, f"{URL}analysts/members/", {"members": ["charlie", "alice"]})
        assert r.status_code == 200, r.content
        assert r.json()["members"] == ["alice", "bob", "charlie"]
    assert people.team.members.count() == 3
    assert people.other_team.members.filter(username="charlie").exists()  # still in the other team


@pytest.mark.parametrize("body", [{"members": ["nobody"]}, {"members": []}, {"members": ["charlie\x00"]}, {},
                                  {"members": "charlie"}])
def test_it_refuses_bad_members_and_adds_nobody(people, body):
    r = post_json(client_for(people.admin), f"{URL}analysts/members/", body)
    assert r.status_code == 400, r.content
    assert "members" in r.json()
    assert people.team.members.count() == 2


def test_it_refuses_a_partly_unknown_list_as_a_whole(people):
    r = post_json(client_for(people.admin), f"{URL}analysts/members/", {"members": ["charlie", "nobody"]})
    assert r.status_code == 400
    assert not people.team.members.filter(username="charlie").exists()


def test_it_gives_404_for_an_unknown_team(people):
    assert post_json(client_for(people.admin), f"{URL}nope/members/", {"members": ["alice"]}).status_code == 404


@pytest.mark.parametrize("who", ["learner", "teammate", "manager", "outsider"])
def test_it_lets_only_admins_add_members(people, who):
    r = post_json(client_for(getattr(people, who)), f"{URL}analysts/members/", {"members": ["charlie"]})
    assert r.status_code == 403
    assert people.team.members.count() == 2


def test_it_refuses_the_wrong_method(people):
    assert client_for(people.admin).delete(URL).status_code == 405
    assert client_for(people.admin).get(f"{URL}analysts/members/").status_code == 405
