from __future__ import annotations

import uuid

from django.test import Client

from lms.content.models import Course
from lms.learning.services import response_submit
from tests.lms.api.helpers import client_for, patch_json, post_json, put_json, results

URL = "/api/v1/courses/"


def test_it_lists_published_courses_to_learners(people, catalogue):
    slugs = [c["slug"] for c in results(client_for(people.learner).get(URL))]
    assert slugs == ["maths"]


def test_it_lists_all_courses_to_admins(people, catalogue):
    slugs = {c["slug"] for c in results(client_for(people.admin).get(URL))}
    assert slugs == {"maths", "draft"}


def test_it_paginates(people, catalogue):
    body = client_for(people.admin).get(URL, {"limit": 1}).json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert body["next"]


def test_it_retrieves_a_course_with_module_summaries(people, catalogue):
    r = client_for(people.learner).get(f"{URL}maths/")
    assert r.status_code == 200
    body = r.json()
    assert body["title"] == "Maths"
    assert body["modules"] == [
        {"id": catalogue.module.pk, "slug": "adding", "title": "Adding", "order": catalogue.module.order,
         "estimated_minutes": 5, "question_count": 5},
    ]


def test_it_hides_unpublished_courses_from_learners_and_managers(people, catalogue):
    assert client_for(people.learner).get(f"{URL}draft/").status_code == 404
    assert client_for(people.manager).get(f"{URL}draft/").status_code == 404
    assert client_for(people.admin).get(f"{URL}draft/").status_code == 200


def test_it_requires_authentication(db):
    assert Client().get(URL).status_code in (401, 403)


def test_it_lets_admins_create_a_course(people, catalogue):
    r = post_json(client_for(people.admin), URL, {"slug": "physics", "title": "Physics", "skills": ["fractions"]})
    assert r.status_code == 201, r.content
    assert r.json()["skills"] == ["fractions"]
    assert Course.objects.get(slug="physics").published


def test_it_refuses_creation_by_learners_and_managers(people, catalogue):
    for user in (people.learner, people.manager):
        r = post_json(client_for(user), URL, {"slug": "physics", "title": "Physics"})
        assert r.status_code == 403
    assert not Course.objects.filter(slug="physics").exists()


def test_it_reports_bad_course_input_by_field(people, catalogue):
    client = client_for(people.admin)
    r = post_json(client, URL, {})
    assert r.status_code == 400
    assert set(r.json()) == {"slug", "title"}
    r = post_json(client, URL, {"slug": "maths", "title": "x", "target_success": 2, "skills": ["nope"]})
    assert r.status_code == 400
    assert set(r.json()) == {"slug", "target_success", "skills"}
    r = post_json(client, URL, {"slug": "not a slug", "title": "x", "published": "perhaps", "skills": "fractions"})
    assert r.status_code == 400
    assert set(r.json()) == {"slug", "published", "skills"}


def test_it_refuses_a_body_that_is_not_an_object(people, catalogue):
    r = post_json(client_for(people.admin), URL, ["slug", "title"])
    assert r.status_code == 400
    r = client_for(people.admin).post(URL, "{not json", content_type="application/json")
    assert r.status_code == 400


def test_it_lets_admins_update_a_course(people, catalogue):
    client = client_for(people.admin)
    r = patch_json(client, f"{URL}maths/", {"published": False})
    assert r.status_code == 200, r.content
    assert not Course.objects.get(slug="maths").published
    r = put_json(client, f"{URL}maths/", {"slug": "maths", "title": "Mathematics"})
    assert r.status_code == 200, r.content
    course = Course.objects.get(slug="maths")
    assert (course.title, course.published) == ("Mathematics", True)


def test_it_refuses_updates_by_learners(people, catalogue):
    r = patch_json(client_for(people.learner), f"{URL}maths/", {"title": "Hacked"})
    assert r.status_code == 403
    assert Course.objects.get(slug="maths").title == "Maths"


def test_it_lets_admins_delete_a_course_without_answers(people, catalogue):
    r = client_for(people.admin).delete(f"{URL}draft/")
    assert r.status_code == 204
    assert not Course.objects.filter(slug="draft").exists()


def test_it_refuses_deletion_by_managers(people, catalogue):
    assert client_for(people.manager).delete(f"{URL}maths/").status_code == 403


def test_it_refuses_to_delete_a_course_that_was_answered(people, catalogue):
    response_submit(user=people.learner, question=catalogue.single, module=catalogue.module,
                    answer=catalogue.single.choices.get(is_correct=True).pk, submission_id=uuid.uuid4())
    r = client_for(people.admin).delete(f"{URL}maths/")
    assert r.status_code == 409
    assert Course.objects.filter(slug="maths").exists()


def test_it_refuses_the_wrong_method(people, catalogue):
    client = client_for(people.admin)
    assert client.delete(URL).status_code == 405
    assert post_json(client, f"{URL}maths/", {}).status_code == 405
