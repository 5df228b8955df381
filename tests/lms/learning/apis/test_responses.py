from __future__ import annotations

import threading
import uuid

import pytest
from django.test import Client

from lms.content import grading
from lms.content.models import Question
from lms.learning import services
from lms.learning.models import Enrollment, Response
from tests.lms.api.helpers import client_for, post_json, results
from tests.lms.concurrency import run_at_once
from tests.lms.factories import new_submission_id

URL = "/api/v1/responses/"


def answer(catalogue, question=None, value=None, **overrides):
    question = question or catalogue.single
    if value is None:
        value = catalogue.single.choices.get(is_correct=True).pk
    key = question.key if hasattr(question, "key") else question
    data = {"submission_id": new_submission_id(), "question": key, "module": catalogue.module.pk,
            "answer": value, "time_taken_ms": 4200}
    data.update(overrides)
    return data


def test_it_records_and_grades_an_answer(people, catalogue, django_capture_on_commit_callbacks):
    wrong = catalogue.single.choices.get(text="3")
    with django_capture_on_commit_callbacks(execute=True):
        r = post_json(client_for(people.learner), URL, answer(catalogue, value=wrong.pk))
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["is_correct"], body["score"], body["attempt_number"]) == (False, 0.0, 1)
    assert body["correct_answer"] == "4"
    assert body["explanation"] == "Two and two make four."
    feedback = {c["text"]: c for c in body["choice_feedback"]}
    assert feedback["3"]["selected"] and feedback["3"]["feedback"] == "Count again."
    assert feedback["4"]["is_correct"] and not feedback["4"]["selected"]
    response = Response.objects.get()
    assert (response.user, response.time_taken_ms) == (people.learner, 4200)
    assert Enrollment.objects.get(user=people.learner).questions_answered == 1  # eager task ran


def test_it_grades_every_kind_of_answer(people, catalogue):
    client = client_for(people.learner)
    picks = list(catalogue.multiple.choices.filter(is_correct=True).values_list("pk", flat=True))
    for question, value in [(catalogue.multiple, picks), (catalogue.true_false, True),
                            (catalogue.numeric, 4.05), (catalogue.short_text, " Four ")]:
        r = post_json(client, URL, answer(catalogue, question, value))
        assert r.status_code == 201, r.content
        assert r.json()["is_correct"], question.key
        if question is not catalogue.multiple:
            assert r.json()["choice_feedback"] == []


def test_it_counts_attempts(people, catalogue):
    client = client_for(people.learner)
    post_json(client, URL, answer(catalogue))
    r = post_json(client, URL, answer(catalogue))
    assert r.json()["attempt_number"] == 2


def test_it_records_a_repeated_submission_once(people, catalogue):
    client = client_for(people.learner)
    data = answer(catalogue)
    first = post_json(client, URL, data)
    again = post_json(client, URL, data)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Response.objects.count() == 1


def test_it_refuses_a_submission_id_reused_for_another_question(people, catalogue):
    client = client_for(people.learner)
    data = answer(catalogue)
    post_json(client, URL, data)
    r = post_json(client, URL, answer(catalogue, catalogue.true_false, True, submission_id=data["submission_id"]))
    assert r.status_code == 400
    assert set(r.json()) == {"submission_id"}
    assert Response.objects.count() == 1


def test_it_keeps_submission_ids_per_user(people, catalogue):
    data = answer(catalogue)
    assert post_json(client_for(people.learner), URL, data).status_code == 201
    assert post_json(client_for(people.teammate), URL, data).status_code == 201
    assert Response.objects.count() == 2


def test_it_reports_bad_input_by_field(people, catalogue):
    client = client_for(people.learner)
    r = post_json(client, URL, {})
    assert r.status_code == 400
    assert set(r.json()) == {"submission_id", "question", "module", "answer"}
    single, multiple = catalogue.single, catalogue.multiple
    foreign = catalogue.multiple.choices.first().pk
    cases = [
        (answer(catalogue, submission_id="not-a-uuid"), {"submission_id"}),
        (answer(catalogue, submission_id=12), {"submission_id"}),
        (answer(catalogue, question="no-such-key"), {"question"}),
        (answer(catalogue, question=catalogue.hidden_question.key), {"question"}),
        (answer(catalogue, question=["add-single"]), {"question"}),
        (answer(catalogue, module="adding"), {"module"}),
        (answer(catalogue, module=999999), {"module"}),
        (answer(catalogue, module=10**30), {"module"}),
        (answer(catalogue, module=catalogue.hidden_module.pk), {"module"}),
        (answer(catalogue, question="secret-q"), {"question"}),
        (answer(catalogue, time_taken_ms=-1), {"time_taken_ms"}),
        (answer(catalogue, time_taken_ms=3_600_001), {"time_taken_ms"}),
        (answer(catalogue, time_taken_ms="soon"), {"time_taken_ms"}),
        (answer(catalogue, single, "four"), {"answer"}),
        (answer(catalogue, single, foreign), {"answer"}),
        (answer(catalogue, single, [single.choices.first().pk, single.choices.last().pk]), {"answer"}),
        (answer(catalogue, single, {"id": 1}), {"answer"}),
        (answer(catalogue, single, True), {"answer"}),
        (answer(catalogue, multiple, [True]), {"answer"}),
        (answer(catalogue, single, []), {"answer"}),
        (answer(catalogue, multiple, "all"), {"answer"}),
        (answer(catalogue, catalogue.true_false, "maybe"), {"answer"}),
        (answer(catalogue, catalogue.numeric, "four"), {"answer"}),
        (answer(catalogue, catalogue.numeric, True), {"answer"}),
        (answer(catalogue, catalogue.numeric, 10**400), {"answer"}),
        (answer(catalogue, catalogue.short_text, ""), {"answer"}),
        (answer(catalogue, catalogue.short_text, 4), {"answer"}),
        (answer(catalogue, catalogue.short_text, "x" * 501), {"answer"}),
        ({**answer(catalogue), "answer": None}, {"answer"}),
    ]
    for data, fields in cases:
        r = post_json(client, URL, data)
        assert r.status_code == 400, (data, r.content)
        assert set(r.json()) == fields, (data, r.json())
    assert not Response.objects.exists()


def test_it_refuses_an_infinite_choice_id(people, catalogue):
    raw = (f'{{"submission_id": "{uuid.uuid4()}", "question": "add-single", "module": {catalogue.module.pk}, '
           f'"answer": 1e999}}')
    r = client_for(people.learner).post(URL, raw, content_type="application/json")
    assert r.status_code == 400
    assert set(r.json()) == {"answer"}


def test_it_lists_only_the_callers_answers(people, catalogue):
    post_json(client_for(people.learner), URL, answer(catalogue))
    post_json(client_for(people.teammate), URL, answer(catalogue))
    rows = results(client_for(people.learner).get(URL))
    assert [(row["user"], row["question"], row["course"]) for row in rows] == [
        (people.learner.pk, "add-single", "maths"),
    ]


def test_it_gives_learners_a_404_for_someone_elses_answers(people, catalogue):
    post_json(client_for(people.teammate), URL, answer(catalogue))
    r = client_for(people.learner).get(URL, {"user": people.teammate.pk})
    assert r.status_code == 404


def test_it_lets_managers_read_their_team_only(people, catalogue):
    post_json(client_for(people.learner), URL, answer(catalogue))
    post_json(client_for(people.outsider), URL, answer(catalogue))
    client = client_for(people.manager)
    assert len(results(client.get(URL, {"user": people.learner.pk}))) == 1
    assert client.get(URL, {"user": people.outsider.pk}).status_code == 404
    assert results(client.get(URL)) == []  # their own answers by default


def test_it_lets_admins_read_anyone(people, catalogue):
    post_json(client_for(people.outsider), URL, answer(catalogue))
    assert len(results(client_for(people.admin).get(URL, {"user": people.outsider.pk}))) == 1


def test_it_requires_authentication(db, catalogue):
    assert Client().get(URL).status_code in (401, 403)
    assert post_json(Client(), URL, answer(catalogue)).status_code in (401, 403)
    assert not Response.objects.exists()


def test_it_refuses_the_wrong_method(people, catalogue):
    assert client_for(people.learner).put(URL).status_code == 405


def _quiz_attempt(client, catalogue):
    attempt = post_json(client, "/api/v1/quiz-attempts/", {"module": catalogue.module.pk}).json()
    question = {q.key: q for q in (catalogue.single, catalogue.multiple, catalogue.true_false, catalogue.numeric,
                                   catalogue.short_text)}[attempt["current_question"]["key"]]
    return attempt, question


def _wrong_answer(question):
    if question.type in Question.CHOICE_TYPES:
        wrong = question.choices.filter(is_correct=False).first().pk
        return wrong if question.type == Question.SINGLE else [wrong]
    return {"add-tf": False, "add-num": 7, "add-text": "no"}[question.key]


def test_it_answers_409_to_a_second_answer_to_a_quiz_question(people, catalogue):
    client = client_for(people.learner)
    attempt, question = _quiz_attempt(client, catalogue)
    data = answer(catalogue, question, _wrong_answer(question), quiz_attempt=attempt["id"])
    first = post_json(client, URL, data)
    second = post_json(client, URL, {**data, "submission_id": new_submission_id()})
    assert (first.status_code, second.status_code) == (201, 409), second.content
    assert second.json() == {"detail": "this question was already answered in this attempt"}
    assert Response.objects.filter(quiz_attempt_id=attempt["id"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_stores_one_of_four_concurrent_answers_to_a_quiz_question(people, catalogue, monkeypatch):
    attempt, question = _quiz_attempt(client_for(people.learner), catalogue)
    clients = [client_for(people.learner) for _ in range(4)]
    posts = [answer(catalogue, question, _wrong_answer(question), quiz_attempt=attempt["id"]) for _ in clients]
    # Every request passes its checks before any of them stores its answer: the race, every time.
    checked = threading.Barrier(len(clients))

    def grade_when_all_have_checked(*args):
        checked.wait(timeout=30)
        return grading.grade(*args)

    monkeypatch.setattr(services, "grade", grade_when_all_have_checked)

    replies = run_at_once(*(lambda c=c, p=p: post_json(c, URL, p) for c, p in zip(clients, posts, strict=True)))

    assert sorted(r.status_code for r in replies) == [201, 409, 409, 409], [r.content[:200] for r in replies]
    stored = Response.objects.get(quiz_attempt_id=attempt["id"])
    winner = next(r for r in replies if r.status_code == 201)
    assert str(stored.submission_id) == winner.json()["submission_id"]
