from __future__ import annotations

import math
from datetime import timedelta

import pytest
from django.urls import reverse

from lms.analytics.models import QuestionStats, SkillCurve
from lms.analytics.services import analytics_refresh
from tests.lms.analytics.conftest import NOW, answer, enrol
from tests.lms.conftest import client_for
from tests.lms.factories import UserFactory

URL = reverse("analytics_content")


def learners(world, n: int) -> list:
    people = [UserFactory(username=f"l{i}") for i in range(n)]
    for person in people:
        enrol(person, world.course)
    return people


@pytest.fixture
def four(world):
    """First attempts of four learners on two questions:

        learner  A  B  total (share right)
        l0       1  1  1.0
        l1       1  0  0.5
        l2       0  1  0.5
        l3       0  0  0.0

    Facility of A = 2/4 = 0.5. Point-biserial of A: x = (1, 1, 0, 0), T = (1, .5, .5, 0); both means
    0.5; cov = (.25 + 0 + 0 + .25) / 4 = .125; sd(x) = .5, sd(T) = sqrt(.125); r = .125 / (.5 * .35355)
    = 0.7071. A second attempt of l3 on A counts as an attempt, not as a first attempt.
    """
    a, b = world.questions[0], world.questions[1]
    for person, (x_a, x_b) in zip(learners(world, 4), [(1, 1), (1, 0), (0, 1), (0, 0)]):
        answer(person, a, bool(x_a), NOW - timedelta(hours=5))
        answer(person, b, bool(x_b), NOW - timedelta(hours=4))
    answer(person, a, True, NOW - timedelta(hours=3))
    analytics_refresh()
    return world


def test_it_computes_facility_and_point_biserial_by_hand(four) -> None:
    stats = QuestionStats.objects.get(question=four.questions[0])
    assert (stats.attempts, stats.first_attempts, stats.first_correct) == (5, 4, 2)
    assert stats.facility == pytest.approx(0.5)
    assert stats.discrimination == pytest.approx(1 / math.sqrt(2))
    assert stats.model_difficulty is None  # no model trained
    response = client_for(four.people.manager).get(URL, {"course": "numbers"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "0.71" in html and "no model yet" in html


def test_it_flags_negative_discrimination(world) -> None:
    """Six learners on four questions (N is the second):

        learner  q0 N  q2 q3  total
        l0       1  0  1  1   .75
        l1       1  0  1  0   .50
        l2       1  0  0  0   .25
        l3-l5    0  1  0  0   .25

    For N: x = (0, 0, 0, 1, 1, 1), mean T = .375; cov = (-.1875 - .0625 + .0625 - 3 * .0625) / 6
    = -.0625; sd(x) = .5, sd(T) = sqrt(.21875 / 6) = .19094; r = -.0625 / (.5 * .19094) = -.6547.
    """
    grid = [(1, 0, 1, 1), (1, 0, 1, 0), (1, 0, 0, 0), (0, 1, 0, 0), (0, 1, 0, 0), (0, 1, 0, 0)]
    for person, row in zip(learners(world, 6), grid):
        for question, correct in zip(world.questions, row):
            answer(person, question, bool(correct), NOW - timedelta(hours=2))
    analytics_refresh()
    negative = world.questions[1]
    assert QuestionStats.objects.get(question=negative).discrimination == pytest.approx(-0.6547, abs=1e-4)
    rows = {r["question"].key: r["flags"] for r in client_for(world.people.admin).get(URL).context["page"]}
    assert rows[negative.key] == ["negative discrimination"]
    assert rows[world.questions[0].key] == []


def test_it_flags_questions_almost_everyone_gets_right_or_wrong(world) -> None:
    easy, hard = world.questions[0], world.questions[1]
    for person in learners(world, 5):
        answer(person, easy, True, NOW - timedelta(hours=2))
        answer(person, hard, False, NOW - timedelta(hours=2))
    analytics_refresh()
    rows = {r["question"].key: r["flags"] for r in client_for(world.people.admin).get(URL).context["page"]}
    assert rows == {easy.key: ["almost everyone right"], hard.key: ["almost everyone wrong"]}


def test_it_does_not_flag_questions_with_too_few_answers(world) -> None:
    for person in learners(world, 4):
        answer(person, world.questions[0], True, NOW - timedelta(hours=2))
    analytics_refresh()
    rows = {r["question"].key: r["flags"] for r in client_for(world.people.admin).get(URL).context["page"]}
    assert rows == {world.questions[0].key: []}


def test_it_draws_a_learning_curve_and_tests_for_flatness(world) -> None:
    """Five learners practise fractions three times: errors 4/5, 3/5, 2/5 at opportunities 1, 2, 3
    (a straight line, slope -0.2, so significantly falling); decimals errors 2/5, 3/5, 2/5 (flat)."""
    f0, f1, d0, d1 = world.questions
    fractions = [[0, 0, 0], [0, 0, 1], [0, 0, 1], [0, 1, 1], [1, 1, 0]]  # per learner, opportunities 1..3
    decimals = [[0, 0, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [1, 1, 0]]
    for person, fr, de in zip(learners(world, 5), fractions, decimals):
        for n in range(3):
            answer(person, (f0, f1, f0)[n], bool(fr[n]), NOW - timedelta(hours=10 - n))
            answer(person, (d0, d1, d0)[n], bool(de[n]), NOW - timedelta(hours=5 - n))
    analytics_refresh()
    falling = SkillCurve.objects.get(skill="fractions")
    assert [(p["opportunity"], p["attempts"], p["errors"]) for p in falling.points] == [(1, 5, 4), (2, 5, 3), (3, 5, 2)]
    assert falling.slope == pytest.approx(-0.2)
    assert falling.flat is False and falling.p_value < 0.05
    flat = SkillCurve.objects.get(skill="decimals")
    assert flat.slope == pytest.approx(0.0) and flat.flat is True
    html = client_for(world.people.manager).get(URL).content.decode()
    assert "flat: no learning visible" in html
    curves = client_for(world.people.manager).get(URL, {"format": "csv", "table": "curves"}).content.decode()
    assert "fractions,1,5,4,0.8,-0.2" in curves


def test_it_exports_questions_as_csv(four) -> None:
    response = client_for(four.people.manager).get(URL, {"format": "csv", "table": "questions"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "question,attempts,first_attempts,facility,discrimination,model_difficulty,author_difficulty,flags"
    assert "fractions-0,5,4,0.5,0.7071,,2," in lines


def test_it_shows_the_models_difficulty(trained, people) -> None:
    analytics_refresh()
    stats = QuestionStats.objects.filter(course=trained)
    assert stats.exists() and all(0 <= s.model_difficulty <= 1 for s in stats)


def test_it_404s_for_learners_and_other_teams(four) -> None:
    assert client_for(four.people.learner).get(URL).status_code == 404
    assert client_for(four.people.manager).get(URL, {"team": "sales"}).status_code == 404


def test_it_refuses_post(four) -> None:
    assert client_for(four.people.manager).post(URL).status_code == 405


def test_it_answers_htmx_with_the_report_only(four) -> None:
    html = client_for(four.people.manager).get(URL, {"sort": "facility"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="report"')
