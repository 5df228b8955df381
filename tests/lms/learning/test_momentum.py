from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from adaptive.models import Decision
from lms.accounts.models import Preferences
from lms.learning.models import Response, WeeklyGoal
from lms.learning.momentum import learner_zone, momentum_for, weekly_goal_set
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory, QuestionFactory, SkillFactory, enrol

PARIS = ZoneInfo("Europe/Paris")
# Thursday 11 December 2025, 10:00 in Paris; the week started on Monday 8 December.
NOW = datetime(2025, 12, 11, 10, 0, tzinfo=PARIS)


@pytest.fixture
def course(db: None):
    course = CourseFactory(title="Statistics", mastery_threshold=0.8)
    course.skills.add(SkillFactory(slug="averages", name="Averages"), SkillFactory(slug="spread", name="Spread"),
                      SkillFactory(slug="charts", name="Charts"))
    return course


def answer(user, course, when: datetime, *, mastery: dict[str, float] | None = None) -> Response:
    """An answer given at ``when``, with the module decision (and the mastery it stored) after it."""
    module = course.modules.first() or ModuleFactory(course=course)
    response = Response.objects.create(
        submission_id=uuid.uuid4(), user=user, question=QuestionFactory(), module=module, course=course,
        answer=[1], is_correct=True, score=1.0, attempt_number=1, created=when)
    if mastery is not None:
        Decision.objects.create(user=user, kind=Decision.MODULE, course=course, response=response, module=module,
                                reason="test", mastery=mastery)
    return response


def test_it_counts_days_in_the_learners_zone(people, course) -> None:
    enrol(people.learner, course)
    # 23:30 on Sunday 7 December in Paris is 22:30 UTC: last week for this learner, whatever the server's zone.
    answer(people.learner, course, datetime(2025, 12, 7, 23, 30, tzinfo=PARIS))
    answer(people.learner, course, datetime(2025, 12, 8, 0, 30, tzinfo=PARIS))
    answer(people.learner, course, datetime(2025, 12, 8, 18, 0, tzinfo=PARIS))
    answer(people.learner, course, datetime(2025, 12, 10, 7, 0, tzinfo=PARIS))
    m = momentum_for(people.learner, zone=PARIS, now=NOW)
    assert m.week_start == date(2025, 12, 8)
    assert (m.days_this_week, m.answers_this_week) == (2, 3)
    assert m.goal_days == WeeklyGoal.DEFAULT_DAYS and not m.goal_met and m.goal_percent == 67
    assert m.last_practice_day == date(2025, 12, 10) and not m.practised_today
    tokyo = momentum_for(people.learner, zone=ZoneInfo("Asia/Tokyo"), now=NOW)
    assert tokyo.days_this_week == 3, "in Tokyo the Sunday-night answer is on Monday morning"


def test_it_reads_the_zone_from_the_learners_preferences(people) -> None:
    Preferences.objects.create(user=people.learner, time_zone="Asia/Tokyo")
    assert learner_zone(people.learner) == ZoneInfo("Asia/Tokyo")
    assert learner_zone(people.teammate) == ZoneInfo(settings.TIME_ZONE), "no choice: the site's zone"
    Preferences.objects.create(user=people.outsider, time_zone="Mars/Olympus")
    assert learner_zone(people.outsider) == ZoneInfo(settings.TIME_ZONE), "a zone unknown here: the site's zone"


def test_it_counts_weeks_in_a_row_without_breaking_on_a_week_not_over(people, course) -> None:
    enrol(people.learner, course)
    for month, day in ((11, 17), (11, 25), (12, 7)):  # in each of the three weeks before this one
        answer(people.learner, course, datetime(2025, month, day, 12, 0, tzinfo=PARIS))
    answer(people.learner, course, datetime(2025, 11, 3, 12, 0, tzinfo=PARIS))  # after a gap: not in the run
    m = momentum_for(people.learner, zone=PARIS, now=NOW)
    assert m.weeks_in_a_row == 3 and m.days_this_week == 0
    answer(people.learner, course, datetime(2025, 12, 9, 12, 0, tzinfo=PARIS))
    assert momentum_for(people.learner, zone=PARIS, now=NOW).weeks_in_a_row == 4


def test_it_celebrates_skills_that_reached_the_threshold_this_week(people, course) -> None:
    enrol(people.learner, course)
    answer(people.learner, course, datetime(2025, 12, 5, 12, 0, tzinfo=PARIS),
           mastery={"averages": 0.6, "spread": 0.85, "charts": 0.5})
    answer(people.learner, course, datetime(2025, 12, 9, 12, 0, tzinfo=PARIS),
           mastery={"averages": 0.82, "spread": 0.88, "charts": 0.7})
    m = momentum_for(people.learner, zone=PARIS, now=NOW)
    assert [(c.name, c.before_percent, c.after_percent) for c in m.mastered_this_week] == [("Averages", 60, 82)], \
        "Spread was mastered before this week and Charts is not there yet"
    assert [(c.name, c.before_percent, c.after_percent) for c in m.improved_last_time] == [
        ("Averages", 60, 82), ("Charts", 50, 70)], "biggest rise first; Spread rose by less than 5 points"


def test_it_celebrates_nothing_without_answers_this_week(people, course) -> None:
    enrol(people.learner, course)
    answer(people.learner, course, datetime(2025, 12, 1, 12, 0, tzinfo=PARIS), mastery={"averages": 0.3})
    answer(people.learner, course, datetime(2025, 12, 2, 12, 0, tzinfo=PARIS), mastery={"averages": 0.9})
    m = momentum_for(people.learner, zone=PARIS, now=NOW)
    assert m.mastered_this_week == []
    assert [(c.name, c.before_percent) for c in m.improved_last_time] == [("Averages", 30)]
    assert m.last_practice_day == date(2025, 12, 2)


def test_it_claims_no_improvement_on_the_first_day_or_without_a_model(people, course) -> None:
    enrol(people.learner, course)
    answer(people.learner, course, datetime(2025, 12, 11, 9, 0, tzinfo=PARIS), mastery={"averages": 0.9})
    answer(people.learner, course, datetime(2025, 12, 11, 9, 5, tzinfo=PARIS), mastery={})  # fixed order: none
    m = momentum_for(people.learner, zone=PARIS, now=NOW)
    assert m.improved_last_time == [], "there was no earlier estimate to improve on"
    assert [c.name for c in m.mastered_this_week] == ["Averages"]
    assert m.practised_today


def test_it_keeps_one_learners_answers_from_anothers_momentum(people, course) -> None:
    enrol(people.learner, course)
    enrol(people.teammate, course)
    answer(people.teammate, course, datetime(2025, 12, 9, 12, 0, tzinfo=PARIS), mastery={"averages": 0.95})
    m = momentum_for(people.learner, zone=PARIS, now=NOW)
    assert (m.days_this_week, m.answers_this_week, m.mastered_this_week, m.weeks_in_a_row) == (0, 0, [], 0)


def test_weekly_goal_set_refuses_an_impossible_goal(people) -> None:
    with pytest.raises(ValueError, match="a weekly goal is 0 to 7 days"):
        weekly_goal_set(user=people.learner, days_per_week=8)
    assert not WeeklyGoal.objects.filter(user=people.learner).exists()
    weekly_goal_set(user=people.learner, days_per_week=0)
    weekly_goal_set(user=people.learner, days_per_week=0)
    assert WeeklyGoal.objects.get(user=people.learner).days_per_week == 0


# ----- views ---------------------------------------------------------------------------------
def test_it_shows_the_week_on_the_dashboard(people, course) -> None:
    enrol(people.learner, course)
    answer(people.learner, course, datetime.now(PARIS), mastery={"averages": 0.95})
    body = client_for(people.learner).get(reverse("dashboard")).content.decode()
    assert "1 of 3 days of practice this week" in body
    assert "Skill mastered this week" in body and "<strong>Averages</strong>: your answers put you at 95%." in body


def test_it_shows_no_week_to_a_learner_with_no_course(people) -> None:
    body = client_for(people.learner).get(reverse("dashboard")).content.decode()
    assert "momentum-heading" not in body


def test_it_sets_the_goal(people, course) -> None:
    enrol(people.learner, course)
    client = client_for(people.learner)
    response = client.post(reverse("weekly_goal"), {"days_per_week": "5"})
    assert response.status_code == 302 and response["Location"].endswith("#momentum-heading")
    assert WeeklyGoal.objects.get(user=people.learner).days_per_week == 5
    again = client.post(reverse("weekly_goal"), {"days_per_week": "5"}, follow=True)
    assert WeeklyGoal.objects.filter(user=people.learner).count() == 1
    body = again.content.decode()
    assert "Your goal is now 5 days of practice a week." in body and "0 of 5 days of practice this week" in body
    client.post(reverse("weekly_goal"), {"days_per_week": "0"})
    body = client.get(reverse("dashboard")).content.decode()
    assert "days of practice this week" not in body and "Set a weekly goal" in body


def test_it_refuses_a_goal_not_on_the_list(people) -> None:
    client = client_for(people.learner)
    response = client.post(reverse("weekly_goal"), {"days_per_week": "9"}, follow=True)
    assert response.status_code == 200
    assert "Choose a number of days from the list." in response.content.decode()
    assert not WeeklyGoal.objects.filter(user=people.learner).exists()
    assert client.post(reverse("weekly_goal"), {}).status_code == 302
    assert not WeeklyGoal.objects.filter(user=people.learner).exists()


def test_it_sets_no_goal_on_get_or_when_signed_out(people, client) -> None:
    assert client_for(people.learner).get(reverse("weekly_goal")).status_code == 405
    response = client.post(reverse("weekly_goal"), {"days_per_week": "5"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not WeeklyGoal.objects.exists()


def test_the_home_page_reads_the_weekly_goal_once(people, course) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    weekly_goal_set(user=people.learner, days_per_week=4)
    with CaptureQueriesContext(connection) as queries:
        page = client_for(people.learner).get(reverse("dashboard"))
    assert page.status_code == 200 and page.context["goal_form"].initial["days_per_week"] == 4
    table = WeeklyGoal._meta.db_table
    assert sum(table in q["sql"] for q in queries.captured_queries) == 1
