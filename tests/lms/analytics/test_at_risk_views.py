from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from lms.analytics.services import analytics_refresh
from tests.lms.analytics.conftest import NOW, answer, enrol, state
from tests.lms.conftest import client_for
from tests.lms.factories import UserFactory

URL = reverse("analytics_at_risk")
ALL = {"view": "all"}  # the full table; the page opens on the short list (test_at_risk_short_list.py)


@pytest.fixture
def flagged(world):
    p, q = world.people, world.questions
    # alice: 10 answers, mostly wrong, low predicted mastery -> low mastery.
    enrol(p.learner, world.course, days_ago=3)
    for i in range(10):
        answer(p.learner, q[i % 4], i == 0, NOW - timedelta(hours=30 - i))
    state(p.learner, {"fractions": 0.3, "decimals": 0.4})
    # bob: answered every day for 4 days, then silent for 8 days -> inactive (3 x 1 day < 7 days minimum).
    enrol(p.teammate, world.course, days_ago=20)
    for i in range(4):
        answer(p.teammate, q[i], True, NOW - timedelta(days=12 - i))
    state(p.teammate, {"fractions": 0.7, "decimals": 0.65}, peak={"fractions": 0.9, "decimals": 0.7})
    # dora: enrolled yesterday, nothing yet -> not flagged (rolling enrolment: her own clock).
    dora = UserFactory(username="dora")
    p.team.members.add(dora)
    enrol(dora, world.course, days_ago=1)
    # erik: slow but steady, every 5 days, last answer 12 days ago -> not inactive yet (3 x 5 = 15 days).
    erik = UserFactory(username="erik")
    p.team.members.add(erik)
    enrol(erik, world.course, days_ago=40)
    for days in (32, 27, 22, 17, 12):
        answer(erik, q[0], True, NOW - timedelta(days=days))
    state(erik, {"fractions": 0.8, "decimals": 0.8})
    # charlie (other team): enrolled 10 days ago, never answered -> inactive, but not the manager's.
    enrol(p.outsider, world.course, days_ago=10)
    analytics_refresh()
    return world


def test_it_lists_flagged_learners_with_their_reasons(flagged) -> None:
    response = client_for(flagged.people.manager).get(URL, ALL)
    assert response.status_code == 200
    rows = {r["stats"].user.username: r["reasons"] for r in response.context["rows"]}
    assert set(rows) == {"alice", "bob"}
    assert rows["alice"] == ["Low predicted mastery: 35% after 10 answers (below 50%)."]
    assert rows["bob"] == ["Falling: fractions dropped from 90% to 70% (by 15% or more).",
                           "Inactive: no answers for 9 days, usually every 1.0 days."]


def test_it_flags_a_learner_who_never_started_against_their_own_enrolment(flagged) -> None:
    rows = {r["stats"].user.username: r["reasons"] for r in client_for(flagged.people.admin).get(URL, ALL).context["rows"]}
    assert rows["charlie"] == ["Inactive: no answers since enrolling 10 days ago."]
    assert "dora" not in rows and "erik" not in rows


def test_it_404s_outside_the_scope(flagged) -> None:
    client = client_for(flagged.people.manager)
    assert client.get(URL, {"team": "sales"}).status_code == 404
    assert client.get(URL, {"learner": flagged.people.outsider.pk}).status_code == 404
    assert client_for(flagged.people.learner).get(URL).status_code == 404


def test_it_refuses_post(flagged) -> None:
    assert client_for(flagged.people.manager).post(URL).status_code == 405


def test_it_answers_htmx_with_the_report_only(flagged) -> None:
    html = client_for(flagged.people.manager).get(URL, ALL, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and "Low predicted mastery" in html


def test_it_exports_csv(flagged) -> None:
    response = client_for(flagged.people.manager).get(URL, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "learner,course,enrolled,answers,predicted_mastery,last_answer,reasons"
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["alice", "bob"]


def test_its_csv_dates_are_in_the_readers_zone(flagged) -> None:
    from lms.accounts.models import Preferences
    from lms.analytics.models import EnrollmentStats

    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # already 2 March in Tokyo
    EnrollmentStats.objects.filter(user__username="alice").update(enrolled_at=late, last_activity=late)
    Preferences.objects.create(user=flagged.people.manager, time_zone="Asia/Tokyo")
    lines = client_for(flagged.people.manager).get(URL, {"format": "csv"}).content.decode().splitlines()
    alice = next(line.split(",") for line in lines if line.startswith("alice,"))
    assert alice[2] == "2026-03-02" and alice[5] == "2026-03-02T08:30:00+09:00"


def test_it_flags_a_learner_going_round_in_circles(world) -> None:
    from adaptive.models import Decision
    from lms.learning.models import QuizAttempt

    p = world.people
    first = world.course.modules.get(slug="m0")  # Module 0 teaches fractions

    def finished(user, times: int) -> None:  # type: ignore[no-untyped-def]
        for number in range(1, times + 1):
            QuizAttempt.objects.create(user=user, course=world.course, module=first, number=number, question_ids=[],
                                       finished_at=NOW - timedelta(days=4 - number))

    # alice: Module 0 four times, fractions still below the course's 80%.
    enrol(p.learner, world.course, days_ago=5)
    finished(p.learner, 4)
    state(p.learner, {"fractions": 0.6, "decimals": 0.7})
    # bob: three times too, but fractions is mastered now: progress, not circles.
    enrol(p.teammate, world.course, days_ago=5)
    finished(p.teammate, 3)
    state(p.teammate, {"fractions": 0.85, "decimals": 0.7})
    # dora: twice, and the module policy moved her on from it.
    dora = UserFactory(username="dora")
    p.team.members.add(dora)
    enrol(dora, world.course, days_ago=5)
    finished(dora, 2)
    state(dora, {"fractions": 0.6, "decimals": 0.7})
    Decision.objects.create(user=dora, kind=Decision.MODULE, course=world.course, module=world.course.modules.get(
        slug="m1"), decision_kind="move_on", reason="-", candidates=[
            {"id": first.pk, "score": 2.0, "title": first.title, "looped": "yes", "sittings": 2, "gain": 0.0}])
    # erik: twice, with no move on: not flagged yet.
    erik = UserFactory(username="erik")
    p.team.members.add(erik)
    enrol(erik, world.course, days_ago=5)
    finished(erik, 2)
    state(erik, {"fractions": 0.6, "decimals": 0.7})
    analytics_refresh()

    rows = {r["stats"].user.username: r["reasons"]
            for r in client_for(p.manager).get(URL, ALL).context["rows"]}
    assert rows == {"alice": ["Going round in circles on Module 0: 4 attempts, still not mastered."],
                    "dora": ["Going round in circles on Module 0: 2 attempts, still not mastered."]}
