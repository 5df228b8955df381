from __future__ import annotations

import pytest
from django.urls import reverse

from lms.content.models import Choice, Module, ModuleImage, Question, Skill
from tests.lms.conftest import client_for
from tests.lms.factories import ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def _image(module: Module, filename: str, data: bytes, *, alt: str) -> ModuleImage:
    image = ModuleImage(module=module, filename=filename, content_type="image/svg+xml", alt=alt)
    image.store_bytes(data)
    image.save()
    return image


@pytest.mark.parametrize("model", ["course", "module", "question", "skill"])
def test_it_lists_content_in_the_admin(people, model) -> None:
    ModuleFactory()
    response = client_for(people.admin).get(reverse(f"admin:content_{model}_changelist"))
    assert response.status_code == 200


def test_it_keeps_learners_and_managers_out_of_the_admin(people) -> None:
    for user in (people.learner, people.manager):
        response = client_for(user).get(reverse("admin:content_question_changelist"))
        assert response.status_code == 302


def test_it_previews_a_module_as_a_learner_sees_it(people) -> None:
    module = ModuleFactory(body="Read **this**.\n\n![A square](images/square.svg)")
    _image(module, "square.svg", SVG, alt="A black square")
    add_to_quiz(module, QuestionFactory(stem="Which *one*?"))
    response = client_for(people.admin).get(reverse("module_preview", args=[module.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>this</strong>" in body and "<em>one</em>" in body
    assert f'src="/images/{module.images.get().pk}/square.svg"' in body
    assert client_for(people.learner).get(reverse("module_preview", args=[module.pk])).status_code == 302


def test_it_refuses_a_prerequisite_cycle_naming_it(people) -> None:
    a = SkillFactory(slug="a", name="A")
    b = SkillFactory(slug="b", name="B")
    b.prerequisites.add(a)
    response = client_for(people.admin).post(
        reverse("admin:content_skill_change", args=[a.pk]),
        {"slug": "a", "name": "A", "description": "", "prerequisites": [b.pk]},
    )
    assert response.status_code == 200
    assert "prerequisite cycle: a -&gt; b -&gt; a" in response.content.decode()
    assert not Skill.objects.get(slug="a").prerequisites.exists()


def test_it_refuses_a_single_choice_question_with_two_correct_choices(people) -> None:
    skill = SkillFactory()
    data = {
        "key": "new-q", "type": Question.SINGLE, "stem": "Pick", "explanation": "Because", "difficulty": 2,
        "skills": [skill.pk], "numeric_tolerance": 0, "accepted_answers": "[]",
        "choices-TOTAL_FORMS": 2, "choices-INITIAL_FORMS": 0, "choices-MIN_NUM_FORMS": 0, "choices-MAX_NUM_FORMS": 1000,
        "choices-0-text": "A", "choices-0-is_correct": "on", "choices-0-order": 0,
        "choices-1-text": "B", "choices-1-is_correct": "on", "choices-1-order": 1,
    }
    client = client_for(people.admin)
    response = client.post(reverse("admin:content_question_add"), data)
    assert response.status_code == 200
    assert "exactly one correct" in response.content.decode()
    assert not Question.objects.filter(key="new-q").exists()
    data["choices-1-is_correct"] = ""
    response = client.post(reverse("admin:content_question_add"), data)
    assert response.status_code == 302
    assert Choice.objects.filter(question__key="new-q").count() == 2


def test_a_question_saved_in_the_admin_has_its_skills_suggested_in_the_background(
        people, django_capture_on_commit_callbacks) -> None:
    skill = SkillFactory()
    data = {
        "key": "admin-q", "type": Question.SINGLE, "stem": "Pick the median of 1, 3, 9", "explanation": "Sorted",
        "difficulty": 2, "skills": [skill.pk], "numeric_tolerance": 0, "accepted_answers": "[]",
        "choices-TOTAL_FORMS": 2, "choices-INITIAL_FORMS": 0, "choices-MIN_NUM_FORMS": 0, "choices-MAX_NUM_FORMS": 1000,
        "choices-0-text": "3", "choices-0-is_correct": "on", "choices-0-order": 0,
        "choices-1-text": "9", "choices-1-order": 1,
    }
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client_for(people.admin).post(reverse("admin:content_question_add"), data)
    assert response.status_code == 302
    question = Question.objects.get(key="admin-q")
    assert question.skills_suggested_for == "pending" and len(queued) == 1


def test_it_serves_module_images_safely(people) -> None:
    module = ModuleFactory()
    image = _image(module, "square.svg", SVG, alt="A square")
    client = client_for(people.learner)
    response = client.get(image.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == SVG
    assert "sandbox" in response["Content-Security-Policy"]
    again = client.get(image.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    module.course.published = False
    module.course.save()
    assert client.get(image.get_absolute_url()).status_code == 404
