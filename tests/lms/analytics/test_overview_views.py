from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from lms.analytics.services import analytics_refresh
from lms.learning.models import Enrollment
from tests.lms.analytics.conftest import NOW, answer, enrol, state
from tests.lms.conftest import client_for

URL = reverse("analytics_overview")


@pytest.fixture
def activity(world):
    p, q = world.people, world.questions
    enrol(p.learner, world.course, days_ago=10, completed_days_ago=1)
    enrol(p.teammate, world.course, path=Enrollment.FIXED, days_ago=40)
    enrol(p.outsider, world.course, days_ago=5)
    for i, question in enumerate(q):
        answer(p.learner, question, True, NOW - timedelta(days=9 - i))  # days 9, 8, 7, 6 ago
    answer(p.teammate, q[0], False, NOW - timedelta(days=20))
    answer(p.outsider, q[0], True, NOW - timedelta(days=1))
    state(p.learner, {"fractions": 0.9, "decimals": 0.8})  # mastered after its 4th answer (6 days ago)
    state(p.teammate, {"fractions": 0.3, "decimals": 0.5})
    state(p.outsider, {"fractions": 0.5, "decimals": 0.5})
    analytics_refresh()
    return world


def test_it_shows_the_team_figures_computed_by_hand(activity) -> None:
    response = client_for(activity.people.manager).get(URL)
    assert response.status_code == 200
    summary = response.context["summary"]
    # Analysts: alice (answers 9..6 days ago) and bob (20 days ago); charlie is in another team.
    assert summary["active_7"] == 1
    assert summary["active_30"] == 2
    assert summary["enrolments"] == 2
    assert summary["completion_rate"] == pytest.approx(0.5)
    # alice: enrolled 10 days ago, all skills >= 0.8 at her last answer (6 days ago) -> 4 days.
    assert summary["median_days_to_mastery"] == pytest.approx(4.0)
    # mean of alice's (0.9 + 0.8) / 2 and bob's (0.3 + 0.5) / 2
    assert summary["mastery_avg"] == pytest.approx((0.85 + 0.4) / 2)


def test_it_shows_everyone_to_an_admin(activity) -> None:
    summary = client_for(activity.people.admin).get(URL).context["summary"]
    assert summary["enrolments"] == 3
    assert summary["active_7"] == 2


def test_it_filters_by_team_course_and_dates(activity) -> None:
    client = client_for(activity.people.admin)
    summary = client.get(URL, {"team": "sales"}).context["summary"]
    assert summary["enrolments"] == 1
    start = (NOW - timedelta(days=15)).date().isoformat()
    summary = client.get(URL, {"start": start, "course": "numbers"}).context["summary"]
    assert summary["enrolments"] == 2  # bob enrolled 40 days ago
    days = client.get(URL, {"start": start}).context["days"]
    assert days[0]["day"] == (NOW - timedelta(days=9)).date()  # the chart starts at the first activity
    assert days[-1]["day"] == NOW.date()
    assert sum(d["answers"] for d in days) == 5


def test_it_groups_long_ranges_by_week(activity) -> None:
    answer(activity.people.teammate, activity.questions[1], True, NOW - timedelta(days=200))
    analytics_refresh()
    days = client_for(activity.people.admin).get(URL, {"start": "2000-01-01"}).context["days"]
    assert all(d["weekly"] and d["day"].weekday() == 0 for d in days)
    assert 29 <= len(days) <= 30 and sum(d["answers"] for d in days) == 7


def test_it_says_which_days_the_chart_counts(activity) -> None:
    body = client_for(activity.people.admin).get(URL, {"start": "2000-01-01"}).content.decode()
    assert "Days run from midnight to midnight UTC, whatever the learners" in body


def test_it_404s_for_a_team_the_manager_does_not_manage(activity) -> None:
    assert client_for(activity.people.manager).get(URL, {"team": "sales"}).status_code == 404
    assert client_for(activity.people.manager).get(URL, {"team": "analysts"}).status_code == 200


def test_it_404s_for_a_learner_outside_the_scope(activity) -> None:
    client = client_for(activity.people.manager)
    assert client.get(URL, {"learner": activity.people.outsider.pk}).status_code == 404
    assert client.get(URL, {"learner": "abc"}).status_code == 404
    assert client.get(URL, {"learner": activity.people.learner.pk}).status_code == 200


def test_it_404s_for_learners(activity) -> None:
    assert client_for(activity.people.learner).get(URL).status_code == 404


def test_it_needs_a_sign_in(activity, client) -> None:
    assert client.get(URL).status_code == 302


def test_it_refuses_post(activity) -> None:
    assert client_for(activity.people.manager).post(URL).status_code == 405


def test_it_answers_htmx_with_the_report_only(activity) -> None:
    client = client_for(activity.people.manager)
    full = client.get(URL).content.decode()
    fragment = client.get(URL, headers={"HX-Request": "true"}).content.decode()
    assert "<html" in full and 'id="report"' in full
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="report"')
    assert 'hx-get="/analytics/"' in full and 'hx-push-url="true"' in full
    filtered = client.get(URL, {"course": "numbers", "page": 2}, headers={"HX-Request": "true"}).content.decode()
    # The links to the other dashboards are swapped too, so they keep the filters just applied.
    assert 'id="subnav" aria-label="Dashboards" hx-swap-oob="true"' in filtered
    assert 'href="/analytics/heatmap/?course=numbers"' in filtered


def test_it_exports_the_daily_table_as_csv(activity) -> None:
    start = (NOW - timedelta(days=2)).date()
    response = client_for(activity.people.admin).get(URL, {"format": "csv", "table": "daily", "start": start})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0] == "day,active_learners,answers,share_correct,completions_so_far"
    yesterday = (NOW - timedelta(days=1)).date().isoformat()
    assert f"{yesterday},1,1,1.0,1" in lines


def test_it_exports_the_teams_table_as_csv(activity) -> None:
    response = client_for(activity.people.manager).get(URL, {"format": "csv", "table": "teams"})
    lines = response.content.decode().splitlines()
    assert lines[1] == "Analysts,2,1,0.5,0.625,1"
    assert client_for(activity.people.manager).get(URL, {"format": "csv", "table": "nope"}).status_code == 404


def test_it_works_before_any_rollup_and_without_a_model(world) -> None:
    response = client_for(world.people.manager).get(URL)
    assert response.status_code == 200
    assert "not estimated yet" in response.content.decode()


def test_it_leaves_out_a_bad_date_and_says_so(activity) -> None:
    response = client_for(activity.people.manager).get(URL, {"start": "yesterday", "course": "numbers"})
    assert response.status_code == 200
    assert response.context["scope"].start is None and response.context["scope"].course == activity.course
    assert "These filters were left out." in response.content.decode()


def test_it_quotes_csv_cells_a_spreadsheet_would_run(activity) -> None:
    from lms.accounts.models import Team

    Team.objects.filter(slug="analysts").update(name="=HYPERLINK(1)")
    lines = client_for(activity.people.manager).get(URL, {"format": "csv", "table": "teams"}).content.decode()
    assert "'=HYPERLINK(1)" in lines


def test_it_is_linked_in_the_navigation_for_managers_and_admins_only(activity) -> None:
    link = 'href="/analytics/week/"'  # Dashboards opens on This week
    assert link in client_for(activity.people.manager).get(reverse("dashboard")).content.decode()
    assert link in client_for(activity.people.admin).get(reverse("dashboard")).content.decode()
    assert link not in client_for(activity.people.learner).get(reverse("dashboard")).content.decode()
