from __future__ import annotations

from django.test import Client

from lms.learning.services import quiz_attempt_start, response_submit
from tests.lms.api.helpers import client_for, post_json
from tests.lms.factories import ModuleFactory, add_to_quiz, enrol, new_submission_id

URL = "/api/v1/progress/"


def answer_all(user, catalogue, correct=True):
    client = client_for(user)
    values = {
        catalogue.single.key: catalogue.single.choices.get(is_correct=correct).pk if correct
        else catalogue.single.choices.filter(is_correct=False).first().pk,
        catalogue.multiple.key: list(catalogue.multiple.choices.filter(is_correct=True).values_list("pk", flat=True)),
        catalogue.true_false.key: True,
        catalogue.numeric.key: 4,
        catalogue.short_text.key: "four",
    }
    for key, value in values.items():
        r = post_json(client, "/api/v1/responses/", {
            "submission_id": new_submission_id(), "question": key, "module": catalogue.module.pk, "answer": value,
        })
        assert r.status_code == 201, r.content


def test_it_shows_the_callers_progress_per_course(people, catalogue):
    second = ModuleFactory(course=catalogue.course, slug="subtracting")
    add_to_quiz(second, catalogue.true_false)
    enrol(people.learner, catalogue.course)
    answer_all(people.learner, catalogue, correct=False)
    r = client_for(people.learner).get(URL)
    assert r.status_code == 200
    body = r.json()
    assert body["user"] == people.learner.pk
    [course] = body["courses"]
    assert course["course"] == {"slug": "maths", "title": "Maths"}
    assert (course["modules_completed"], course["modules_total"], course["percent"]) == (0, 2, 0)
    assert (course["questions_answered"], course["correct_answers"], course["accuracy_percent"]) == (5, 4, 80)
    assert [(m["slug"], m["completed"]) for m in course["modules"]] == [("adding", False), ("subtracting", False)]


def test_it_shows_no_courses_before_enrolment(people, catalogue):
    assert client_for(people.learner).get(URL).json()["courses"] == []


def test_it_shows_an_empty_course(people, catalogue):
    enrol(people.learner, catalogue.hidden_course.__class__.objects.create(slug="empty", title="Empty"))
    [course] = client_for(people.learner).get(URL).json()["courses"]
    assert (course["modules_total"], course["percent"], course["accuracy_percent"]) == (0, 0, None)


def test_it_lets_managers_see_their_team(people, catalogue):
    enrol(people.teammate, catalogue.course)
    r = client_for(people.manager).get(URL, {"user": people.teammate.pk})
    assert r.status_code == 200
    assert r.json()["username"] == "bob"
    assert len(r.json()["courses"]) == 1


def test_it_gives_managers_a_404_for_other_teams(people, catalogue):
    enrol(people.outsider, catalogue.course)
    assert client_for(people.manager).get(URL, {"user": people.outsider.pk}).status_code == 404


def test_it_gives_learners_a_404_for_anyone_else(people, catalogue):
    enrol(people.teammate, catalogue.course)
    assert client_for(people.learner).get(URL, {"user": people.teammate.pk}).status_code == 404
    assert client_for(people.learner).get(URL, {"user": people.learner.pk}).status_code == 200


def test_it_lets_admins_see_anyone(people, catalogue):
    enrol(people.outsider, catalogue.course)
    r = client_for(people.admin).get(URL, {"user": people.outsider.pk})
    assert r.status_code == 200
    assert r.json()["username"] == "charlie"


def test_it_refuses_a_malformed_user(people, catalogue):
    r = client_for(people.admin).get(URL, {"user": "charlie"})
    assert r.status_code == 400
    assert set(r.json()) == {"user"}


def test_it_requires_authentication(db):
    assert Client().get(URL).status_code in (401, 403)


def test_it_refuses_the_wrong_method(people, catalogue):
    assert post_json(client_for(people.learner), URL, {}).status_code == 405


def test_it_counts_modules_finished_in_a_quiz(people, catalogue, django_capture_on_commit_callbacks):
    attempt = quiz_attempt_start(user=people.learner, module=catalogue.module)
    values = {"add-single": catalogue.single.choices.get(is_correct=True).pk, "add-tf": True, "add-num": 4,
              "add-text": "four",
              "add-multiple": list(catalogue.multiple.choices.filter(is_correct=True).values_list("pk", flat=True))}
    for _ in catalogue.module.quiz_questions():
        attempt.refresh_from_db()
        question = attempt.current_question  # the question the quiz asks now
        if question is None:
            break
        # After commit, the worker's task (eager here) decides the next step and closes the quiz.
        with django_capture_on_commit_callbacks(execute=True):
            response_submit(user=people.learner, question=question, module=catalogue.module,
                            answer=values[question.key], submission_id=new_submission_id(), quiz_attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.finished_at is not None
    [course] = client_for(people.learner).get(URL).json()["courses"]
    assert (course["modules_completed"], course["modules_total"], course["percent"]) == (1, 1, 100)
    assert course["modules"][0]["completed"] and course["modules"][0]["best_score"] == 1.0
