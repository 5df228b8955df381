from __future__ import annotations

import re
import threading
import uuid

import pytest
from django.urls import reverse

from lms.content import grading
from lms.content.models import Question
from lms.learning import services
from lms.learning.models import Enrollment, ModuleCompletion, QuizAttempt, Response
from lms.learning.views import _duration_words
from tests.lms.concurrency import run_at_once
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz


@pytest.fixture
def quiz_module(db: None):
    course = CourseFactory(slug="stats", title="Statistics")
    module = ModuleFactory(course=course, slug="averages", title="Averages", body="# Averages\n\nThe **mean**.")
    skill = SkillFactory(slug="averages", name="Averages")
    module.skills.add(skill)
    q1 = QuestionFactory(key="q-single", difficulty=1)  # the easier one: asked first (closer to the 70% target)
    q2 = QuestionFactory(key="q-numeric", type=Question.NUMERIC, numeric_answer=2.5, numeric_tolerance=0.1,
                         stem="**Mean** of *2 and 3*?", difficulty=4)
    for q in (q1, q2):
        q.skills.add(skill)
    add_to_quiz(module, q1, q2)
    ModuleFactory(course=course, slug="spread", title="Spread")
    return module


def _start(client, module) -> QuizAttempt:
    response = client.post(reverse("quiz_start", args=[module.course.slug, module.slug]))
    assert response.status_code == 302
    return QuizAttempt.objects.get(pk=response.url.split("/")[2])


def _form_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'name="(submission_id|shown_at)" value="([^"]*)"', html))


def test_it_shows_module_reader_without_javascript(people, quiz_module) -> None:
    client = client_for(people.learner)
    response = client.get(quiz_module.get_absolute_url())
    assert response.status_code == 200
    assert "<strong>mean</strong>" in response.content.decode()
    assert "Start the quiz" in response.content.decode()


def test_it_rejects_wrong_method_on_quiz_start(people, quiz_module) -> None:
    client = client_for(people.learner)
    assert client.get(reverse("quiz_start", args=["stats", "averages"])).status_code == 405


def test_it_requires_sign_in(client, quiz_module) -> None:
    response = client.get(quiz_module.get_absolute_url())
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_runs_a_quiz_with_htmx_fragments(people, quiz_module, django_capture_on_commit_callbacks) -> None:
    client = client_for(people.learner)
    attempt = _start(client, quiz_module)
    page = client.get(reverse("quiz", args=[attempt.pk]))
    html = page.content.decode()
    assert "Question 1 · up to 2" in html and "<html" in html
    fields = _form_fields(html)
    single = Question.objects.get(key="q-single")
    answer_url = reverse("quiz_answer", args=[attempt.pk, single.pk])

    with django_capture_on_commit_callbacks(execute=True):
        feedback = client.post(answer_url, {**fields, "answer": single.choices.get(is_correct=True).pk},
                               HTTP_HX_REQUEST="true")
    body = feedback.content.decode()
    assert feedback.status_code == 200
    assert "<html" not in body, "htmx gets a fragment, not a page"
    assert "Correct" in body and "Two and two make four." in body
    first = Response.objects.get(user=people.learner, question=single)
    next_url = reverse("quiz_next", args=[attempt.pk, first.pk])
    assert f'hx-get="{next_url}"' in body, "the next step loads as soon as it is decided"

    step = client.get(next_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Next question" in step and "chance of success" in step
    assert '<details class="why-details"><summary>Details</summary>' in step, "the numbers one click away"
    assert "at the right level for you" in step or "A quick one on" in step or "A stretch on" in step

    nxt = client.get(reverse("quiz", args=[attempt.pk]), HTTP_HX_REQUEST="true")
    body = nxt.content.decode()
    assert "<html" not in body and "Question 2" in body
    fields = _form_fields(body)
    numeric_url = reverse("quiz_answer", args=[attempt.pk, Question.objects.get(key="q-numeric").pk])
    with django_capture_on_commit_callbacks(execute=True):
        feedback = client.post(numeric_url, {**fields, "answer": "3"}, HTTP_HX_REQUEST="true")
    body = feedback.content.decode()
    assert "Not quite" in body and "2.5" in body
    second = Response.objects.filter(user=people.learner).latest("id")
    with django_capture_on_commit_callbacks(execute=True):
        step = client.get(reverse("quiz_next", args=[attempt.pk, second.pk]), HTTP_HX_REQUEST="true")
    assert "See your module summary" in step.content.decode()

    summary = client.get(reverse("quiz_summary", args=[attempt.pk]))
    assert summary.status_code == 200
    assert "50%" in summary.content.decode()
    assert "Mean of 2 and 3?" in summary.content.decode(), "the answers list the questions' words, not their Markdown"
    assert "**Mean**" not in summary.content.decode()
    assert ModuleCompletion.objects.get(user=people.learner, module=quiz_module).best_score == 0.5
    assert "(best score 50%)" in client.get(quiz_module.get_absolute_url()).content.decode()
    assert "Completed · best 50%" in client.get(quiz_module.course.get_absolute_url()).content.decode()
    enrollment = Enrollment.objects.get(user=people.learner, course=quiz_module.course)
    assert (enrollment.questions_answered, enrollment.correct_answers, enrollment.modules_completed) == (2, 1, 1)


def test_it_works_without_javascript(people, quiz_module) -> None:
    client = client_for(people.learner)
    attempt = _start(client, quiz_module)
    fields = _form_fields(client.get(reverse("quiz", args=[attempt.pk])).content.decode())
    question = Question.objects.get(key="q-single")
    response = client.post(reverse("quiz_answer", args=[attempt.pk, question.pk]),
                           {**fields, "answer": question.choices.filter(is_correct=False).first().pk})
    assert response.status_code == 302
    page = client.get(response.url)
    assert "Not quite" in page.content.decode() and "<html" in page.content.decode()


def test_it_records_a_double_submission_once(people, quiz_module) -> None:
    client = client_for(people.learner)
    attempt = _start(client, quiz_module)
    fields = _form_fields(client.get(reverse("quiz", args=[attempt.pk])).content.decode())
    question = Question.objects.get(key="q-single")
    url = reverse("quiz_answer", args=[attempt.pk, question.pk])
    data = {**fields, "answer": question.choices.get(is_correct=True).pk}
    first = client.post(url, data, HTTP_HX_REQUEST="true")
    second = client.post(url, data, HTTP_HX_REQUEST="true")
    assert first.status_code == second.status_code == 200
    assert Response.objects.filter(user=people.learner).count() == 1
    assert "Correct" in second.content.decode()


def test_it_shows_field_errors_for_an_empty_answer(people, quiz_module) -> None:
    client = client_for(people.learner)
    attempt = _start(client, quiz_module)
    fields = _form_fields(client.get(reverse("quiz", args=[attempt.pk])).content.decode())
    question = Question.objects.get(key="q-single")
    response = client.post(reverse("quiz_answer", args=[attempt.pk, question.pk]), fields, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Choose an option." in response.content.decode()
    assert not Response.objects.exists()


def test_it_hides_another_learners_attempt(people, quiz_module) -> None:
    attempt = _start(client_for(people.learner), quiz_module)
    outsider = client_for(people.teammate)
    assert outsider.get(reverse("quiz", args=[attempt.pk])).status_code == 404
    question = Question.objects.get(key="q-single")
    response = outsider.post(
        reverse("quiz_answer", args=[attempt.pk, question.pk]),
        {"submission_id": str(uuid.uuid4()), "answer": question.choices.first().pk},
    )
    assert response.status_code == 404
    assert not Response.objects.exists()


def test_it_resumes_an_open_attempt(people, quiz_module) -> None:
    client = client_for(people.learner)
    first = _start(client, quiz_module)
    second = _start(client, quiz_module)
    assert first.pk == second.pk


def test_it_hides_unpublished_courses(people, quiz_module) -> None:
    quiz_module.course.published = False
    quiz_module.course.save()
    assert client_for(people.learner).get(quiz_module.get_absolute_url()).status_code == 404
    assert client_for(people.admin).get(quiz_module.get_absolute_url()).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_answer_when_three_tabs_answer_at_once(people, quiz_module, monkeypatch) -> None:
    tabs = [client_for(people.learner) for _ in range(3)]
    attempt = _start(tabs[0], quiz_module)
    question = Question.objects.get(pk=attempt.current_question_id)
    url = reverse("quiz_answer", args=[attempt.pk, question.pk])
    posts = [{**_form_fields(tab.get(reverse("quiz", args=[attempt.pk])).content.decode()),
              "answer": question.choices.first().pk if question.type in Question.CHOICE_TYPES else "1"}
             for tab in tabs]
    assert len({p["submission_id"] for p in posts}) == 3, "each tab shows its own submission id"
    # Every tab's request passes its checks before any of them stores its answer.
    checked = threading.Barrier(len(tabs))

    def grade_when_all_have_checked(*args):
        checked.wait(timeout=30)
        return grading.grade(*args)

    monkeypatch.setattr(services, "grade", grade_when_all_have_checked)

    replies = run_at_once(*(lambda t=t, p=p: t.post(url, p) for t, p in zip(tabs, posts, strict=True)))

    stored = Response.objects.get(quiz_attempt=attempt)
    quiz_url = reverse("quiz", args=[attempt.pk])
    feedback_url = reverse("quiz_feedback", args=[attempt.pk, stored.submission_id])
    assert sorted(r.url for r in replies) == sorted([feedback_url, quiz_url, quiz_url])
    refused = tabs[[r.url for r in replies].index(quiz_url)].get(quiz_url)
    assert "This question was already answered in this attempt." in refused.content.decode()


@pytest.mark.parametrize(("seconds", "words"), [(0, ""), (12, "under a minute"), (75, "about 1 minute"),
                                                 (130, "about 2 minutes"), (720, "about 12 minutes")])
def test_it_says_how_long_a_quiz_took_in_words(seconds, words) -> None:
    assert _duration_words(seconds) == words
