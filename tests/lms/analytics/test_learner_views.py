from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from adaptive.models import Assignment, Decision
from lms.analytics.models import CoachNote
from lms.analytics.services import analytics_refresh
from tests.lms.analytics.conftest import NOW, answer, enrol, state
from tests.lms.conftest import client_for


def url(user) -> str:
    return reverse("analytics_learner", args=[user.pk])


def note_url(user) -> str:
    return reverse("analytics_learner_note", args=[user.pk])


@pytest.fixture
def alice(world):
    p = world.people
    enrol(p.learner, world.course)
    first = answer(p.learner, world.questions[0], False, NOW - timedelta(days=2))
    answer(p.learner, world.questions[0], True, NOW - timedelta(days=1))
    state(p.learner, {"fractions": 0.7, "decimals": 0.4})
    Decision.objects.create(user=p.learner, kind=Decision.QUESTION, course=world.course, response=first,
                            question=world.questions[1], decision_kind="learn",
                            reason="Closest to the 70% target success (predicted 68%).")
    module = world.questions[0].module_links.first().module
    Assignment.objects.create(module=module, learner=p.learner, assigned_by=p.manager)
    Assignment.objects.create(module=module, team=p.other_team, assigned_by=p.admin)
    analytics_refresh()
    return p.learner


def test_it_shows_answers_decisions_assignments_and_notes(alice, world) -> None:
    CoachNote.objects.create(learner=alice, author=world.people.manager, text="Struggles with decimals.")
    response = client_for(world.people.manager).get(url(alice))
    assert response.status_code == 200
    html = response.content.decode()
    assert len(response.context["responses"]) == 2
    assert "Closest to the 70% target success (predicted 68%)." in html
    assert list(response.context["assignments"]) == list(Assignment.objects.filter(learner=alice))
    assert "Struggles with decimals." in html
    assert "Mastery not estimated yet" in html


def test_it_404s_for_learners_outside_the_managers_teams(world, alice) -> None:
    manager = client_for(world.people.manager)
    assert manager.get(url(world.people.outsider)).status_code == 404
    assert manager.get(url(world.people.manager)).status_code == 404
    assert manager.get(reverse("analytics_learner", args=[999999])).status_code == 404
    assert client_for(world.people.admin).get(url(world.people.outsider)).status_code == 200
    assert client_for(world.people.learner).get(url(alice)).status_code == 404
    assert client_for(world.people.teammate).get(url(alice)).status_code == 404
    assert manager.get(url(alice), {"team": "sales"}).status_code == 404


def test_it_refuses_post_on_the_page_and_get_on_the_notes(world, alice) -> None:
    client = client_for(world.people.manager)
    assert client.post(url(alice)).status_code == 405
    assert client.get(note_url(alice)).status_code == 405


def test_it_saves_a_coach_note(world, alice) -> None:
    client = client_for(world.people.manager)
    response = client.post(note_url(alice), {"text": "  Call on Monday.  "})
    assert response.status_code == 302
    note = CoachNote.objects.get()
    assert (note.text, note.author, note.learner) == ("Call on Monday.", world.people.manager, alice)


def test_it_saves_a_coach_note_with_htmx_and_answers_the_notes_only(world, alice) -> None:
    response = client_for(world.people.admin).post(note_url(alice), {"text": "Doing well."},
                                                   headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card" id="notes">') and "Doing well." in html


def test_it_refuses_an_empty_note(world, alice) -> None:
    response = client_for(world.people.manager).post(note_url(alice), {"text": "   "})
    assert response.status_code == 400
    assert CoachNote.objects.count() == 0


def test_it_refuses_notes_outside_the_scope(world, alice) -> None:
    assert client_for(world.people.manager).post(note_url(world.people.outsider), {"text": "x"}).status_code == 404
    assert client_for(world.people.learner).post(note_url(alice), {"text": "x"}).status_code == 404
    assert CoachNote.objects.count() == 0


def test_it_exports_answers_and_decisions_as_csv(world, alice) -> None:
    client = client_for(world.people.manager)
    answers = client.get(url(alice), {"format": "csv", "table": "responses"})
    assert answers["Content-Type"] == "text/csv; charset=utf-8"
    lines = answers.content.decode().splitlines()
    assert lines[0] == "at,course,module,question,correct,score,attempt,time_ms"
    assert [line.split(",")[3:7] for line in lines[1:]] == [["fractions-0", "1", "1.0", "2"],
                                                           ["fractions-0", "0", "0.0", "1"]]
    decisions = client.get(url(alice), {"format": "csv", "table": "decisions"}).content.decode().splitlines()
    assert "Closest to the 70% target success (predicted 68%)." in decisions[1]


def test_it_answers_htmx_with_the_report_only(world, alice) -> None:
    html = client_for(world.people.manager).get(url(alice), {"page": 1}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and html.lstrip().startswith('<div id="report"')


def test_it_replays_the_trajectory_through_the_champion(trained, people) -> None:
    User = get_user_model()
    learner = User.objects.filter(username__startswith="sim-", responses__isnull=False).distinct().first()
    analytics_refresh()
    client = client_for(people.manager)
    response = client.get(url(learner), {"course": "data-literacy"})
    assert response.status_code == 200
    charts = response.context["charts"]
    slugs = response.context["slugs"]
    assert [c["name"] for c in charts] == [response.context["skill_objs"][s].name for s in slugs]
    body = response.content.decode()
    assert body.count('<svg class="chart"') == len(charts), "one small chart per skill, not all lines in one"
    assert all(c["chart"].count("<polyline") == 1 for c in charts)
    trajectory = client.get(url(learner), {"course": "data-literacy", "format": "csv", "table": "trajectory"})
    rows = trajectory.content.decode().splitlines()
    assert len(rows) == 1 + 1 + learner.responses.count()  # header, the prior, one row per answer
    values = [float(v) for row in rows[1:] for v in row.split(",")[2:]]
    assert all(0.0 <= v <= 1.0 for v in values)
