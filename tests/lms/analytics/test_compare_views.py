from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from lms.analytics.models import EnrollmentStats
from lms.analytics.services import analytics_refresh
from lms.learning.models import Enrollment
from tests.lms.analytics.conftest import enrol
from tests.lms.conftest import client_for
from tests.lms.factories import UserFactory

URL = reverse("analytics_compare")


@pytest.fixture
def groups(world):
    """Four adaptive and four fixed enrolments in the manager's team, with mastery reached after
    1..4 answers (adaptive) and 2, 4, 6, 8 answers (fixed) after as many days; 3 of 4 adaptive and
    1 of 4 fixed completed."""
    for path, steps, completed in [(Enrollment.ADAPTIVE, [1, 2, 3, 4], [1, 1, 1, 0]),
                                   (Enrollment.FIXED, [2, 4, 6, 8], [1, 0, 0, 0])]:
        for i, (n, done) in enumerate(zip(steps, completed)):
            person = UserFactory(username=f"{path}-{i}")
            world.people.team.members.add(person)
            e = enrol(person, world.course, path=path, days_ago=20, completed_days_ago=1 if done else None)
            analytics_refresh()
            EnrollmentStats.objects.filter(pk=e.pk).update(
                responses_to_mastery=n, mastered_at=e.created + timedelta(days=n), responses=n,
                mastery_avg=0.5 + n / 20)
    enrol(world.people.outsider, world.course, path=Enrollment.FIXED, days_ago=3)
    return world


def test_it_compares_the_groups_with_intervals_and_sizes(groups) -> None:
    response = client_for(groups.people.manager).get(URL)
    assert response.status_code == 200
    result = response.context["result"]
    assert result["sizes"] == {"adaptive": 4, "fixed": 4}
    rows = {key: c for _, key, c, _ in result["rows"]}
    assert rows["questions"].difference == pytest.approx(-2.5)
    assert rows["questions"].ci_low == pytest.approx(-6.364, abs=1e-3)
    assert rows["questions"].p_value == pytest.approx(0.1516, abs=1e-4)
    assert rows["days"].difference == pytest.approx(-2.5)
    assert rows["completion"].difference == pytest.approx(0.5)
    html = response.content.decode()
    assert "Not significant yet" in html and "Welch t-test" in html and "two-proportion z-test" in html


def test_it_counts_the_outsider_only_for_an_admin(groups) -> None:
    analytics_refresh()
    result = client_for(groups.people.admin).get(URL).context["result"]
    assert result["sizes"] == {"adaptive": 4, "fixed": 5}


def test_it_says_when_there_is_not_enough_data(world) -> None:
    enrol(world.people.learner, world.course)
    analytics_refresh()
    html = client_for(world.people.manager).get(URL).content.decode()
    assert "Not enough data yet" in html


def test_it_404s_outside_the_scope(groups) -> None:
    assert client_for(groups.people.manager).get(URL, {"team": "sales"}).status_code == 404
    assert client_for(groups.people.manager).get(URL, {"learner": groups.people.outsider.pk}).status_code == 404
    assert client_for(groups.people.learner).get(URL).status_code == 404


def test_it_refuses_post(groups) -> None:
    assert client_for(groups.people.manager).post(URL).status_code == 405


def test_it_answers_htmx_with_the_report_only(groups) -> None:
    html = client_for(groups.people.manager).get(URL, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and "Welch t-test" in html


def test_it_exports_csv(groups) -> None:
    response = client_for(groups.people.manager).get(URL, {"format": "csv", "table": "comparison"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("outcome,test,n_adaptive,n_fixed")
    assert lines[1].startswith("Questions to mastery,Welch t-test,4,4,2.5,5.0,-2.5,")
