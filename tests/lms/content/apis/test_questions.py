from __future__ import annotations

from django.test import Client

from lms.content.models import Choice, Question
from tests.lms.api.helpers import client_for, patch_json, post_json, put_json, results
from tests.lms.factories import ModuleFactory, QuestionFactory, SkillFactory, add_to_quiz

URL = "/api/v1/questions/"
ANSWER_FIELDS = {"explanation", "true_false_answer", "numeric_answer", "numeric_tolerance", "accepted_answers",
                 "case_sensitive"}


def new_question(**overrides):
    data = {
        "key": "new-q", "type": "single_choice", "stem": "Pick 4", "explanation": "Because.",
        "skills": ["fractions"],
        "choices": [{"text": "3", "feedback": "No."}, {"text": "4", "is_correct": True}],
    }
    data.update(overrides)
    return data


def test_it_hides_answers_from_learners(people, catalogue):
    questions = results(client_for(people.learner).get(URL))
    assert {q["key"] for q in questions} == {"add-single", "add-multiple", "add-tf", "add-num", "add-text"}
    for question in questions:
        assert not ANSWER_FIELDS & set(question)
        for choice in question["choices"]:
            assert set(choice) == {"id", "text", "order"}
    r = client_for(people.learner).get(f"{URL}add-tf/")
    assert r.status_code == 200
    assert not ANSWER_FIELDS & set(r.json())


def test_it_hides_questions_outside_published_courses_from_learners(people, catalogue):
    QuestionFactory(key="in-no-module").skills.add(catalogue.skill)
    client = client_for(people.learner)
    assert client.get(f"{URL}secret-q/").status_code == 404
    assert client.get(f"{URL}in-no-module/").status_code == 404


def test_it_shows_managers_the_full_question(people, catalogue):
    r = client_for(people.manager).get(f"{URL}add-single/")
    assert r.status_code == 200
    body = r.json()
    assert body["explanation"] == "Two and two make four."
    assert [c["is_correct"] for c in body["choices"]] == [False, True, False]
    assert body["choices"][0]["feedback"] == "Count again."
    assert len(results(client_for(people.manager).get(URL))) == 6


def test_it_filters_by_skill_and_module(people, catalogue):
    other = SkillFactory(slug="decimals")
    catalogue.numeric.skills.add(other)
    client = client_for(people.learner)
    assert [q["key"] for q in results(client.get(URL, {"skill": "decimals"}))] == ["add-num"]
    module = ModuleFactory(course=catalogue.course)
    add_to_quiz(module, catalogue.true_false)
    assert [q["key"] for q in results(client.get(URL, {"module": module.pk}))] == ["add-tf"]
    assert [q["key"] for q in results(client.get(URL, {"module": module.pk, "skill": "decimals"}))] == []


def test_it_refuses_unknown_filters_values(people, catalogue):
    client = client_for(people.learner)
    for params, field in [({"skill": "nope"}, "skill"), ({"module": "abc"}, "module"),
                          ({"module": catalogue.hidden_module.pk}, "module"), ({"module": -1}, "module"),
                          ({"module": "9" * 30}, "module")]:
        r = client.get(URL, params)
        assert r.status_code == 400, params
        assert field in r.json()


def test_it_lets_admins_create_a_choice_question(people, catalogue):
    r = post_json(client_for(people.admin), URL, new_question())
    assert r.status_code == 201, r.content
    question = Question.objects.get(key="new-q")
    assert [(c.text, c.is_correct, c.order) for c in question.choices.all()] == [("3", False, 0), ("4", True, 1)]
    assert r.json()["choices"][0]["feedback"] == "No."


def test_it_lets_admins_create_other_kinds_of_question(people, catalogue):
    client = client_for(people.admin)
    for data in (
        new_question(key="tf", type="true_false", choices=[], true_false_answer=False),
        new_question(key="num", type="numeric", choices=[], numeric_answer=2.5, numeric_tolerance=0.5),
        new_question(key="txt", type="short_text", choices=[], accepted_answers=["four", "4"]),
    ):
        r = post_json(client, URL, data)
        assert r.status_code == 201, r.content
    assert Question.objects.get(key="num").numeric_answer == 2.5


def test_it_updates_choices_in_place(people, catalogue):
    keep, drop, _ = catalogue.single.choices.all()
    r = patch_json(client_for(people.admin), f"{URL}add-single/", {"choices": [
        {"id": keep.pk, "text": "three", "is_correct": True},
        {"text": "six"},
    ]})
    assert r.status_code == 200, r.content
    choices = list(catalogue.single.choices.all())
    assert [(c.pk == keep.pk, c.text, c.is_correct) for c in choices] == [(True, "three", True), (False, "six", False)]
    assert not Choice.objects.filter(pk=drop.pk).exists()


def test_it_refuses_a_choice_of_another_question(people, catalogue):
    foreign = catalogue.multiple.choices.first()
    r = patch_json(client_for(people.admin), f"{URL}add-single/", {"choices": [
        {"id": foreign.pk, "text": "x", "is_correct": True}, {"text": "y"},
    ]})
    assert r.status_code == 400
    assert "choices" in r.json()


def test_it_reports_bad_question_input_by_field(people, catalogue):
    client = client_for(people.admin)
    r = post_json(client, URL, {})
    assert r.status_code == 400
    assert set(r.json()) == {"key", "type", "stem", "explanation", "skills"}
    cases = [
        (new_question(key="add-single"), {"key"}),
        (new_question(type="essay"), {"type"}),
        (new_question(skills=[]), {"skills"}),
        (new_question(skills=["nope"]), {"skills"}),
        (new_question(difficulty=9), {"difficulty"}),
        (new_question(choices=[{"text": "only one", "is_correct": True}]), {"choices"}),
        (new_question(choices=[{"text": "a"}, {"text": "b"}]), {"choices"}),
        (new_question(choices=[{"text": "a", "is_correct": True}, {"text": "b", "is_correct": True}]), {"choices"}),
        (new_question(choices=[{"is_correct": True}, {"text": "b"}]), {"choices"}),
        (new_question(choices="abc"), {"choices"}),
        (new_question(type="true_false", choices=[]), {"true_false_answer"}),
        (new_question(type="numeric", choices=[]), {"numeric_answer"}),
        (new_question(type="numeric", choices=[], numeric_answer="abc"), {"numeric_answer"}),
        (new_question(type="numeric", choices=[], numeric_answer=1, numeric_tolerance=-1), {"numeric_tolerance"}),
        (new_question(type="short_text", choices=[]), {"accepted_answers"}),
        (new_question(type="short_text", choices=[], accepted_answers="four"), {"accepted_answers"}),
        (new_question(type="numeric", numeric_answer=1), {"choices"}),
        (new_question(key="a/b"), {"key"}),
        (new_question(key="with space"), {"key"}),
    ]
    for data, fields in cases:
        r = post_json(client, URL, data)
        assert r.status_code == 400, data
        assert set(r.json()) == fields, (data, r.json())
    assert not Question.objects.filter(key="new-q").exists()


def test_it_refuses_an_infinite_number(people, catalogue):
    raw = ('{"key": "n", "type": "numeric", "stem": "s", "explanation": "e", "skills": ["fractions"], '
           '"numeric_answer": 1e999}')
    r = client_for(people.admin).post(URL, raw, content_type="application/json")
    assert r.status_code == 400
    assert set(r.json()) == {"numeric_answer"}


def test_it_refuses_writes_by_learners_and_managers(people, catalogue):
    for user in (people.learner, people.manager):
        assert post_json(client_for(user), URL, new_question()).status_code == 403
        assert patch_json(client_for(user), f"{URL}add-single/", {"stem": "x"}).status_code == 403
        assert client_for(user).delete(f"{URL}add-single/").status_code == 403
    assert Client().get(URL).status_code in (401, 403)


def test_it_replaces_a_question_with_put(people, catalogue):
    r = put_json(client_for(people.admin), f"{URL}add-tf/", new_question(
        key="add-tf", type="true_false", choices=[], true_false_answer=False, stem="Is 2 + 2 = 5?"))
    assert r.status_code == 200, r.content
    assert Question.objects.get(key="add-tf").true_false_answer is False


def test_it_deletes_an_unused_question_and_refuses_a_used_one(people, catalogue):
    QuestionFactory(key="loose")
    client = client_for(people.admin)
    assert client.delete(f"{URL}loose/").status_code == 204
    r = client.delete(f"{URL}add-single/")
    assert r.status_code == 409
    assert Question.objects.filter(key="add-single").exists()


def test_it_refuses_the_wrong_method(people, catalogue):
    assert client_for(people.admin).delete(URL).status_code == 405


def test_it_lists_questions_in_a_fixed_number_of_queries(people, catalogue, django_assert_max_num_queries):
    for _ in range(5):
        QuestionFactory().skills.add(catalogue.skill)
    client = client_for(people.manager)
    client.get(URL)
    with django_assert_max_num_queries(8):
        assert len(results(client.get(URL))) == 11


def test_it_keeps_the_correct_flag_of_a_choice_a_patch_leaves_out(people, catalogue):
    wrong, right, _ = catalogue.single.choices.all()
    client = client_for(people.admin)
    r = patch_json(client, f"{URL}add-single/", {"choices": [{"id": wrong.pk, "text": "three"}, {"id": right.pk}]})
    assert r.status_code == 200, r.content
    assert [(c.text, c.is_correct) for c in catalogue.single.choices.all()] == [("three", False), ("4", True)]
    r = patch_json(client, f"{URL}add-single/", {"choices": [{"id": wrong.pk}, {"is_correct": True}]})
    assert r.status_code == 400
    assert r.json() == {"choices": ["a new choice needs its text"]}
