from __future__ import annotations

from django.test import Client

from lms.content.models import Skill
from tests.lms.api.helpers import client_for, patch_json, post_json, results
from tests.lms.factories import SkillFactory

URL = "/api/v1/skills/"


def test_it_lists_skills_to_everyone_signed_in(people, catalogue):
    for user in (people.learner, people.manager, people.admin):
        assert [s["slug"] for s in results(client_for(user).get(URL))] == ["fractions"]
    assert Client().get(URL).status_code in (401, 403)


def test_it_retrieves_a_skill(people, catalogue):
    r = client_for(people.learner).get(f"{URL}fractions/")
    assert r.status_code == 200
    assert r.json() == {"slug": "fractions", "name": "Fractions", "description": "", "prerequisites": []}
    assert client_for(people.learner).get(f"{URL}nope/").status_code == 404


def test_it_lets_admins_create_a_skill_with_prerequisites(people, catalogue):
    r = post_json(client_for(people.admin), URL, {"slug": "ratios", "name": "Ratios", "prerequisites": ["fractions"]})
    assert r.status_code == 201, r.content
    assert r.json()["prerequisites"] == ["fractions"]
    assert list(Skill.objects.get(slug="ratios").prerequisites.values_list("slug", flat=True)) == ["fractions"]


def test_it_refuses_a_prerequisite_cycle_naming_it(people, db):
    a = SkillFactory(slug="a")
    b = SkillFactory(slug="b")
    b.prerequisites.add(a)
    r = patch_json(client_for(people.admin), f"{URL}a/", {"prerequisites": ["b"]})
    assert r.status_code == 400
    assert r.json() == {"prerequisites": ["prerequisite cycle: a -> b -> a"]}
    assert not a.prerequisites.exists()


def test_it_refuses_a_skill_that_is_its_own_prerequisite(people, db):
    SkillFactory(slug="a")
    r = patch_json(client_for(people.admin), f"{URL}a/", {"prerequisites": ["a"]})
    assert r.status_code == 400
    assert "a -> a" in r.json()["prerequisites"][0]


def test_it_reports_bad_skill_input_by_field(people, catalogue):
    client = client_for(people.admin)
    r = post_json(client, URL, {"slug": "fractions", "prerequisites": ["nope"]})
    assert r.status_code == 400
    assert set(r.json()) == {"slug", "name", "prerequisites"}
    r = post_json(client, URL, {"slug": "x", "name": "x", "prerequisites": [{"slug": "fractions"}]})
    assert r.status_code == 400
    assert set(r.json()) == {"prerequisites"}


def test_it_refuses_writes_by_learners_and_managers(people, catalogue):
    for user in (people.learner, people.manager):
        assert post_json(client_for(user), URL, {"slug": "x", "name": "X"}).status_code == 403
        assert client_for(user).delete(f"{URL}fractions/").status_code == 403
    assert Skill.objects.filter(slug="fractions").exists()


def test_it_lets_admins_rename_and_delete_a_skill(people, db):
    SkillFactory(slug="a")
    client = client_for(people.admin)
    r = patch_json(client, f"{URL}a/", {"name": "Alpha"})
    assert r.status_code == 200
    assert r.json()["name"] == "Alpha"
    assert client.delete(f"{URL}a/").status_code == 204
    assert not Skill.objects.filter(slug="a").exists()


def test_it_refuses_the_wrong_method(people, catalogue):
    assert client_for(people.admin).patch(URL).status_code == 405
