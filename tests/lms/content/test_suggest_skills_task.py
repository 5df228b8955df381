"""Suggested skills are worked out in the background: saving a question queues ``suggest_skills`` after
the commit, the task stores them (once per text: a repeat changes nothing), and the question editor
only reads what is stored, polling a bounded number of times while they are being worked out."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import Preferences
from lms.content.models import Question, SkillSuggestion
from lms.content.selectors import question_text_fingerprint, skill_suggestions_stored
from lms.content.services import question_save, skill_suggestions_work_out
from lms.content.tasks import suggest_skills
from lms.content.views import SUGGESTIONS_POLLS
from tests.lms.conftest import client_for
from tests.lms.content.test_authoring import single_choice
from tests.lms.content.test_skill_suggestions import VOCABULARY, tagged_bank, untagged_question
from tests.lms.factories import CourseFactory, ModuleFactory, add_to_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def module(db: None):
    skills = tagged_bank()
    course = CourseFactory(title="Statistics", slug="stats")
    course.skills.add(*skills.values())
    return ModuleFactory(course=course, title="Means and medians")


def editor_url(module: Any, question: Question) -> str:
    return reverse("authoring_question", args=[module.pk, question.pk])


def median_question(module: Any) -> Question:
    """An untagged question in ``module``'s quiz whose suggestions were worked out."""
    question = untagged_question("median-1", "averages")
    add_to_quiz(module, question)
    skill_suggestions_work_out(question_ids=[question.pk], source="test")
    question.refresh_from_db()
    return question


def test_saving_a_question_queues_the_task_after_the_commit(people, module, django_capture_on_commit_callbacks) -> None:
    spread = module.course.skills.get(slug="spread")
    client = client_for(people.admin)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("authoring_question_new", args=[module.pk]),
                               single_choice(key="median-2", stem="Which is the **median** of 1, 3 and 9?",
                                             explanation="The middle value once sorted.", skills=[spread.pk]))
    assert response.status_code == 302
    question = Question.objects.get(key="median-2")
    assert len(queued) == 1, "one task, queued only once the question is committed"
    assert question.skills_suggested_for == "pending" and not SkillSuggestion.objects.filter(question=question)
    assert skill_suggestions_stored(question).state == "working"

    queued[0]()  # what the commit does: publish (eager in unit tests, so the task runs here)
    question.refresh_from_db()
    assert question.skills_suggested_for == question_text_fingerprint(question)
    stored = skill_suggestions_stored(question)
    assert stored.state == "ready" and stored.suggestions[0].skill.slug == "averages"
    assert "spread" not in [s.skill.slug for s in stored.suggestions], "a skill it has is not suggested"


def test_a_save_that_leaves_the_text_alone_queues_nothing(module, django_capture_on_commit_callbacks) -> None:
    question = median_question(module)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        question_save(question=question, data={"difficulty": 4})
    assert queued == []
    with django_capture_on_commit_callbacks(execute=False) as queued:
        question_save(question=question, data={"stem": question.stem + " Show your working."})
    assert len(queued) == 1


def test_the_task_stores_suggestions_and_a_repeat_changes_nothing(module) -> None:
    question = untagged_question("median-1", "averages")
    assert suggest_skills.delay([question.pk], "test").get() == 1
    rows = list(SkillSuggestion.objects.filter(question=question).values_list("pk", "skill__slug", "confidence",
                                                                              "rank", "status", "source"))
    assert rows and rows[0][1:2] == ("averages",) and all(row[4:] == ("pending", "test") for row in rows)
    question.refresh_from_db()
    marked = question.skills_suggested_for
    assert marked == question_text_fingerprint(question)

    assert suggest_skills.delay([question.pk], "test").get() == 0, "current already: left alone"
    question.refresh_from_db()
    assert question.skills_suggested_for == marked
    assert list(SkillSuggestion.objects.filter(question=question).values_list(
        "pk", "skill__slug", "confidence", "rank", "status", "source")) == rows


def test_a_new_text_replaces_pending_suggestions_and_keeps_decided_ones(module) -> None:
    question = median_question(module)
    rejected = SkillSuggestion.objects.get(question=question, skill__slug="averages")
    rejected.status = SkillSuggestion.REJECTED
    rejected.save()
    words = VOCABULARY["spread"]
    question_save(question=question, data={"stem": f"What is the {words[0]} of 3, 5, 9? Mind the {words[6]}.",
                                            "explanation": f"The {words[1]} is the largest minus the smallest."})
    skill_suggestions_work_out(question_ids=[question.pk], source="test")
    question.refresh_from_db()
    assert [s.skill.slug for s in skill_suggestions_stored(question).suggestions][:1] == ["spread"]
    assert SkillSuggestion.objects.get(pk=rejected.pk).status == SkillSuggestion.REJECTED
    assert not SkillSuggestion.objects.filter(question=question, status="pending", skill__slug="averages").exists()


def test_an_unknown_question_is_nothing_to_do() -> None:
    assert skill_suggestions_work_out(question_ids=[987654], source="test") == 0


class TestEditor:
    def test_it_shows_the_stored_suggestions(self, people, module) -> None:
        question = median_question(module)
        html = client_for(people.admin).get(editor_url(module, question)).content.decode()
        assert 'id="suggested-skills"' in html and "<li>Averages <span" in html
        assert "hx-get" not in html.split('id="suggested-skills"')[1].split(">")[0], "nothing to wait for"

    def test_it_reads_and_never_works_them_out(self, people, module, django_capture_on_commit_callbacks) -> None:
        question = median_question(module)
        Question.objects.filter(pk=question.pk).update(stem="A new text nobody worked out yet.")
        client = client_for(people.admin)
        with django_capture_on_commit_callbacks(execute=True) as queued, \
                CaptureQueriesContext(connection) as captured:
            html = client.get(editor_url(module, question)).content.decode()
        assert queued == []
        writes = [q["sql"] for q in captured.captured_queries
                  if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                  and "django_session" not in q["sql"]]
        assert writes == []
        assert "Suggestions are being worked out." in html
        poller = html.split('id="suggested-skills"')[1].split(">")[0]
        assert 'hx-get="' + editor_url(module, question) + '?poll=1"' in poller and "hx-trigger" in poller

    def test_the_poll_gets_the_fragment_until_they_arrive(self, people, module) -> None:
        question = median_question(module)
        Question.objects.filter(pk=question.pk).update(stem="A new text nobody worked out yet.")
        client = client_for(people.admin)
        url = editor_url(module, question)
        fragment = client.get(url, {"poll": "3"}, headers={"HX-Request": "true"}).content.decode()
        assert fragment.lstrip().startswith('<div id="suggested-skills"') and "<form" not in fragment
        assert f'hx-get="{url}?poll=4"' in fragment

        last = client.get(url, {"poll": str(SUGGESTIONS_POLLS)}, headers={"HX-Request": "true"}).content.decode()
        assert "hx-get" not in last and "Suggestions are being worked out." in last, "the polling stops"
        for wrong in ("-1", "abc", "99999999999"):
            response = client.get(url, {"poll": wrong}, headers={"HX-Request": "true"})
            assert response.status_code == 200 and 'poll=1"' in response.content.decode()

        skill_suggestions_work_out(question_ids=[question.pk], source="test")
        arrived = client.get(url, {"poll": "5"}, headers={"HX-Request": "true"}).content.decode()
        assert "hx-get" not in arrived and "<li>" in arrived

    def test_a_question_never_asked_for_says_so(self, people, module) -> None:
        question = untagged_question("median-9", "averages")
        add_to_quiz(module, question)
        html = client_for(people.admin).get(editor_url(module, question)).content.decode()
        assert "No skills have been suggested for this question" in html and "hx-trigger=\"load" not in html

    def test_it_is_in_french(self, people, module) -> None:
        question = median_question(module)
        Question.objects.filter(pk=question.pk).update(stem="Un nouveau texte.")
        Preferences.objects.update_or_create(user=people.admin, defaults={"language": "fr"})
        html = client_for(people.admin).get(editor_url(module, question)).content.decode()
        assert "Les suggestions sont en cours de calcul." in html and "being worked out" not in html

    def test_learners_and_managers_get_no_fragment(self, people, module) -> None:
        question = median_question(module)
        for user in (people.learner, people.manager):
            response = client_for(user).get(editor_url(module, question), headers={"HX-Request": "true"})
            assert response.status_code == 403
