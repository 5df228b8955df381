"""Quizzes through the API: start, answer the current question, get the next, read decisions."""

from __future__ import annotations

from django.test import Client

from tests.lms.api.helpers import client_for, post_json, results
from tests.lms.factories import new_submission_id

URL = "/api/v1/quiz-attempts/"
ANSWERS = {"add-single": "correct", "add-multiple": "correct-set", "add-tf": True, "add-num": 4, "add-text": "four"}


def _answer_for(catalogue, key):
    question = {q.key: q for q in (catalogue.single, catalogue.multiple, catalogue.true_false, catalogue.numeric,
                                   catalogue.short_text)}[key]
    value = ANSWERS[key]
    if value == "correct":
        return question.choices.get(is_correct=True).pk
    if value == "correct-set":
        return list(question.choices.filter(is_correct=True).values_list("pk", flat=True))
    return value


def test_it_runs_a_quiz_through_the_api(people, catalogue, django_capture_on_commit_callbacks):
    client = client_for(people.learner)
    started = post_json(client, URL, {"module": catalogue.module.pk})
    assert started.status_code == 201, started.content
    attempt = started.json()
    assert attempt["kind"] == "module" and attempt["answered"] == 0
    assert "explanation" not in attempt["current_question"], "no answers before answering"
    seen = []
    while attempt["current_question"] is not None:
        key = attempt["current_question"]["key"]
        seen.append(key)
        with django_capture_on_commit_callbacks(execute=True):
            r = post_json(client, "/api/v1/responses/", {
                "submission_id": new_submission_id(), "question": key, "module": catalogue.module.pk,
                "answer": _answer_for(catalogue, key), "quiz_attempt": attempt["id"],
            })
        assert r.status_code == 201, r.content
        attempt = client.get(f"{URL}{attempt['id']}/").json()
    assert attempt["finished_at"] is not None and attempt["answered"] == 5
    assert sorted(seen) == sorted(ANSWERS)
    assert attempt["decision"]["stop"] == "pool_exhausted"
    progress = client.get("/api/v1/progress/").json()["courses"][0]
    assert progress["modules_completed"] == 1, "answers in an API quiz complete the module"
    decisions = results(client.get("/api/v1/decisions/", {"kind": "question"}))
    assert len(decisions) >= 5 and all(d["reason"] for d in decisions)


def test_it_resumes_the_open_attempt(people, catalogue):
    client = client_for(people.learner)
    first = post_json(client, URL, {"module": catalogue.module.pk})
    again = post_json(client, URL, {"module": catalogue.module.pk})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]


def test_it_refuses_an_answer_to_another_question_than_the_current(people, catalogue):
    client = client_for(people.learner)
    attempt = post_json(client, URL, {"module": catalogue.module.pk}).json()
    other = next(k for k in ANSWERS if k != attempt["current_question"]["key"])
    r = post_json(client, "/api/v1/responses/", {
        "submission_id": new_submission_id(), "question": other, "module": catalogue.module.pk,
        "answer": _answer_for(catalogue, other), "quiz_attempt": attempt["id"],
    })
    assert r.status_code == 403
    assert "current question" in r.json()["detail"]


def test_it_starts_a_placement_check(people, catalogue):
    r = post_json(client_for(people.learner), URL, {"placement": True, "course": "maths"})
    assert r.status_code == 201
    assert r.json()["kind"] == "placement" and r.json()["max_questions"] == 5


def test_it_rejects_bad_input(people, catalogue):
    client = client_for(people.learner)
    assert post_json(client, URL, {}).json() == {"module": ["give the id of a module you can see"]}
    assert "module" in post_json(client, URL, {"module": catalogue.hidden_module.pk}).json()
    assert "course" in post_json(client, URL, {"placement": True, "course": "draft"}).json()
    assert post_json(client, URL, {"module": "x"}).status_code == 400
    r = post_json(client, "/api/v1/responses/", {
        "submission_id": new_submission_id(), "question": "add-tf", "module": catalogue.module.pk,
        "answer": True, "quiz_attempt": "not-a-uuid"})
    assert r.status_code == 400 and "quiz_attempt" in r.json()


def test_it_hides_other_learners_attempts_and_decisions(people, catalogue):
    attempt = post_json(client_for(people.learner), URL, {"module": catalogue.module.pk}).json()
    assert client_for(people.teammate).get(f"{URL}{attempt['id']}/").status_code == 404
    r = post_json(client_for(people.teammate), "/api/v1/responses/", {
        "submission_id": new_submission_id(), "question": attempt["current_question"]["key"],
        "module": catalogue.module.pk, "answer": True, "quiz_attempt": attempt["id"]})
    assert r.status_code == 400 and "quiz_attempt" in r.json()
    assert client_for(people.teammate).get("/api/v1/decisions/", {"user": people.learner.pk}).status_code == 404
    assert client_for(people.manager).get("/api/v1/decisions/", {"user": people.learner.pk}).status_code == 200
    assert client_for(people.manager).get("/api/v1/decisions/", {"user": people.outsider.pk}).status_code == 404


def test_it_needs_authentication_and_the_right_method(people, catalogue):
    assert Client().post(URL, {}).status_code == 401
    assert Client().get("/api/v1/decisions/").status_code == 401
    assert client_for(people.learner).get(URL).status_code == 405
