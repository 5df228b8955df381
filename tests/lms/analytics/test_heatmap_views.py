from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from lms.analytics.services import analytics_refresh
from tests.lms.analytics.conftest import NOW, answer, enrol, state
from tests.lms.conftest import client_for

URL = reverse("analytics_heatmap")


@pytest.fixture
def mastery(world):
    p = world.people
    for person, values in [(p.learner, {"fractions": 0.9, "decimals": 0.3}),
                           (p.teammate, {"fractions": 0.4, "decimals": 0.7}),
                           (p.outsider, {"fractions": 0.1, "decimals": 0.1})]:
        enrol(person, world.course)
        answer(person, world.questions[0], True, NOW - timedelta(days=1))
        state(person, values)
    analytics_refresh()
    return world


def names(response) -> list[str]:
    return [row["stats"].user.username for row in response.context["rows"]]


def test_it_shows_learners_by_skills_with_numbers_and_links(mastery) -> None:
    response = client_for(mastery.people.manager).get(URL)
    assert response.status_code == 200
    assert names(response) == ["alice", "bob"]
    html = response.content.decode()
    alice = mastery.people.learner
    assert f'href="/analytics/learners/{alice.pk}/?course=numbers"' in html
    assert "90% ✓" in html and "30%" in html  # the number is in the cell, a tick marks mastery (>= 80%)
    assert 'class="cell m-4"' in html and 'class="cell m-1"' in html


def test_it_says_which_course_it_shows_when_none_is_chosen(mastery) -> None:
    client = client_for(mastery.people.manager)
    shown = client.get(URL).content.decode()
    assert "The heatmap shows one course at a time" in shown and "All skills (average)" in shown
    assert "one course at a time" not in client.get(URL, {"course": "numbers"}).content.decode()


def test_it_sorts_by_a_skill_column_and_by_name(mastery) -> None:
    client = client_for(mastery.people.admin)
    assert names(client.get(URL, {"sort": "decimals"})) == ["charlie", "alice", "bob"]
    assert names(client.get(URL, {"sort": "decimals", "dir": "desc"})) == ["bob", "alice", "charlie"]
    assert names(client.get(URL, {"sort": "name", "dir": "desc"})) == ["charlie", "bob", "alice"]
    assert names(client.get(URL, {"sort": "mastery", "dir": "desc"})) == ["alice", "bob", "charlie"]
    assert names(client.get(URL, {"sort": "not-a-skill"})) == ["alice", "bob", "charlie"]


def test_it_404s_outside_the_scope(mastery) -> None:
    client = client_for(mastery.people.manager)
    assert client.get(URL, {"team": "sales"}).status_code == 404
    assert client.get(URL, {"learner": mastery.people.outsider.pk}).status_code == 404
    assert names(client.get(URL, {"learner": mastery.people.learner.pk})) == ["alice"]
    assert client_for(mastery.people.learner).get(URL).status_code == 404


def test_it_refuses_post(mastery) -> None:
    assert client_for(mastery.people.manager).post(URL).status_code == 405


def test_it_answers_htmx_with_the_report_only(mastery) -> None:
    fragment = client_for(mastery.people.manager).get(URL, {"sort": "decimals"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode()
    assert names(fragment) == ["alice", "bob"]


def test_it_exports_every_learner_in_scope_as_csv(mastery) -> None:
    response = client_for(mastery.people.manager).get(URL, {"format": "csv", "table": "mastery"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "learner,name,average,decimals,fractions"
    assert lines[1:] == ["alice,,0.6,0.3,0.9", "bob,,0.55,0.7,0.4"]


def test_it_says_when_mastery_is_not_estimated_yet(world) -> None:
    enrol(world.people.learner, world.course)
    analytics_refresh()
    html = client_for(world.people.manager).get(URL).content.decode()
    assert "not estimated yet" in html
