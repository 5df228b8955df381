from __future__ import annotations

from django.test import Client

from lms.content.models import Module
from tests.lms.api.helpers import client_for, patch_json, post_json, results
from tests.lms.factories import ModuleFactory, add_to_quiz

URL = "/api/v1/modules/"


def test_it_lists_modules_of_published_courses_to_learners(people, catalogue):
    modules = results(client_for(people.learner).get(URL))
    assert [m["slug"] for m in modules] == ["adding"]
    assert modules[0]["questions"] == ["add-single", "add-multiple", "add-tf", "add-num", "add-text"]


def test_it_filters_by_course(people, catalogue):
    client = client_for(people.admin)
    assert [m["slug"] for m in results(client.get(URL, {"course": "draft"}))] == ["secret"]
    assert [m["slug"] for m in results(client.get(URL, {"course": "maths"}))] == ["adding"]


def test_it_refuses_an_unknown_or_hidden_course_filter(people, catalogue):
    r = client_for(people.learner).get(URL, {"course": "draft"})
    assert r.status_code == 400
    assert "course" in r.json()
    r = client_for(people.learner).get(URL, {"course": "no such course!"})
    assert r.status_code == 400


def test_it_retrieves_a_module(people, catalogue):
    r = client_for(people.learner).get(f"{URL}{catalogue.module.pk}/")
    assert r.status_code == 200
    assert r.json()["course"] == "maths"
    assert client_for(people.learner).get(f"{URL}{catalogue.hidden_module.pk}/").status_code == 404
    assert client_for(people.learner).get(f"{URL}999999/").status_code == 404


def test_it_requires_authentication(db, catalogue):
    assert Client().get(URL).status_code in (401, 403)


def test_it_lets_admins_create_a_module_with_skills_and_ordered_questions(people, catalogue):
    r = post_json(client_for(people.admin), URL, {
        "course": "maths", "slug": "review", "title": "Review", "body": "Recap.",
        "skills": ["fractions"], "questions": ["add-num", "add-single"],
    })
    assert r.status_code == 201, r.content
    module = Module.objects.get(course__slug="maths", slug="review")
    assert [q.key for q in module.quiz_questions()] == ["add-num", "add-single"]
    assert r.json()["questions"] == ["add-num", "add-single"]
    assert [s.slug for s in module.skills.all()] == ["fractions"]


def test_it_reorders_and_replaces_the_quiz(people, catalogue):
    r = patch_json(client_for(people.admin), f"{URL}{catalogue.module.pk}/", {"questions": ["add-text", "add-single"]})
    assert r.status_code == 200, r.content
    assert r.json()["questions"] == ["add-text", "add-single"]
    assert [q.key for q in catalogue.module.quiz_questions()] == ["add-text", "add-single"]


def test_it_reports_bad_module_input_by_field(people, catalogue):
    client = client_for(people.admin)
    r = post_json(client, URL, {})
    assert r.status_code == 400
    assert set(r.json()) == {"course", "slug", "title", "body"}
    r = post_json(client, URL, {
        "course": "nope", "slug": "x", "title": "x", "body": "x", "estimated_minutes": 0,
        "questions": ["missing-key"], "video_url": "not a url",
    })
    assert r.status_code == 400
    assert set(r.json()) == {"course", "estimated_minutes", "questions", "video_url"}
    r = post_json(client, URL, {"course": "maths", "slug": "adding", "title": "x", "body": "x",
                                "questions": ["add-tf", "add-tf"]})
    assert r.status_code == 400
    assert set(r.json()) == {"questions"}
    r = post_json(client, URL, {"course": "maths", "slug": "adding", "title": "x", "body": "x"})
    assert r.status_code == 400
    assert set(r.json()) == {"slug"}


def test_it_refuses_writes_by_learners_and_managers(people, catalogue):
    for user in (people.learner, people.manager):
        r = patch_json(client_for(user), f"{URL}{catalogue.module.pk}/", {"title": "Hacked"})
        assert r.status_code == 403
        assert client_for(user).delete(f"{URL}{catalogue.module.pk}/").status_code == 403
    assert Module.objects.get(pk=catalogue.module.pk).title == "Adding"


def test_it_lets_admins_delete_a_module(people, catalogue):
    assert client_for(people.admin).delete(f"{URL}{catalogue.hidden_module.pk}/").status_code == 204
    assert not Module.objects.filter(pk=catalogue.hidden_module.pk).exists()


def test_it_refuses_the_wrong_method(people, catalogue):
    assert client_for(people.admin).put(URL).status_code == 405


def test_it_lists_modules_in_a_fixed_number_of_queries(people, catalogue, django_assert_max_num_queries):
    for _ in range(5):
        add_to_quiz(ModuleFactory(course=catalogue.course), catalogue.single, catalogue.numeric)
    client = client_for(people.learner)
    client.get(URL)  # warm the session and role caches
    with django_assert_max_num_queries(8):
        assert len(results(client.get(URL))) == 6
