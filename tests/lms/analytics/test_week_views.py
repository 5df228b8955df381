"""The manager's "This week" page: who needs help, with which skill, why, and one action each."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from adaptive.models import Assignment
from lms.accounts.models import Preferences
from lms.analytics import selectors
from lms.analytics.models import CoachNote
from lms.analytics.services import analytics_refresh
from lms.notifications.models import Email
from tests.lms.analytics.conftest import NOW, answer, enrol, state
from tests.lms.conftest import client_for
from tests.lms.factories import UserFactory
from tests.lms.smtp import smtp_inbox  # noqa: F401  (the fixture `inbox`: a real SMTP server)

URL = reverse("analytics_week")


@pytest.fixture
def week(world):
    p, q = world.people, world.questions
    # alice: six wrong answers in a row on fractions today.
    enrol(p.learner, world.course, days_ago=3)
    answer(p.learner, q[2], True, NOW - timedelta(hours=8))
    for i in range(6):
        answer(p.learner, q[i % 2], False, NOW - timedelta(hours=6 - i))
    state(p.learner, {"fractions": 0.3, "decimals": 0.7})
    # bob: daily for four days, then silent for nine, with Module 1 due in three days.
    enrol(p.teammate, world.course, days_ago=20)
    for i in range(4):
        answer(p.teammate, q[i], True, NOW - timedelta(days=12 - i))
    state(p.teammate, {"fractions": 0.8, "decimals": 0.8})
    due = timezone.localdate() + timedelta(days=3)
    Assignment.objects.create(module=world.course.modules.get(slug="m1"), learner=p.teammate, due=due,
                              assigned_by=p.manager)
    # erik: two days of answers, silent for 11 days: one mild sign, not on the list.
    erik = UserFactory(username="erik")
    p.team.members.add(erik)
    enrol(erik, world.course, days_ago=30)
    answer(erik, q[0], True, NOW - timedelta(days=12))
    answer(erik, q[1], True, NOW - timedelta(days=11))
    state(erik, {"fractions": 0.8, "decimals": 0.8})
    # charlie (other team): many wrong answers in a row, but not this manager's.
    enrol(p.outsider, world.course, days_ago=3)
    for i in range(6):
        answer(p.outsider, q[0], False, NOW - timedelta(hours=5 - i / 2))
    analytics_refresh()
    world.due = due
    return world


def test_it_ranks_who_needs_help_with_the_skill_why_and_an_action(week) -> None:
    response = client_for(week.people.manager).get(URL)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [c.user.username for c in rows] == ["alice", "bob"]
    alice, bob = rows
    assert alice.skill.name == "Fractions"
    assert alice.reasons == ["6 wrong answers in a row on Fractions"]
    assert (alice.action, alice.module.slug) == ("assign", "m0")  # the module that teaches fractions
    assert bob.reasons == [f"No activity for 9 days with “Module 1” due {week.due:%A}"]
    assert bob.action == "message"
    html = response.content.decode()
    assert "Who needs help this week" in html and "2 of the 3 learners in your teams" in html
    assert "p =" not in html and "AUC" not in html


def test_it_leaves_a_single_mild_sign_off_the_list(week) -> None:
    ranked = selectors.concerns(selectors.Scope(viewer=week.people.manager, teams=week.people.manager.managed_teams.all()))
    erik = next(c for c in ranked if c.user.username == "erik")
    assert erik.reasons == ["No activity for 11 days"] and erik.score < selectors.SHORT_LIST_MIN_SCORE


def test_it_shows_the_first_few_and_more_on_request(week, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "SHORT_LIST", 1)
    client = client_for(week.people.manager)
    first = client.get(URL)
    assert [c.user.username for c in first.context["rows"]] == ["alice"]
    assert "Show 1 more" in first.content.decode()
    assert [c.user.username for c in client.get(URL, {"more": "1"}).context["rows"]] == ["alice", "bob"]


def test_it_shows_every_team_to_an_admin(week) -> None:
    rows = client_for(week.people.admin).get(URL).context["rows"]
    assert {c.user.username for c in rows} == {"alice", "bob", "charlie"}


def test_it_404s_outside_the_scope(week) -> None:
    client = client_for(week.people.manager)
    assert client.get(URL, {"team": "sales"}).status_code == 404
    assert client_for(week.people.learner).get(URL).status_code == 404


def test_it_refuses_post(week) -> None:
    assert client_for(week.people.manager).post(URL).status_code == 405


def test_it_answers_htmx_with_the_report_only(week) -> None:
    html = client_for(week.people.manager).get(URL, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and "wrong answers in a row" in html


def test_it_is_the_dashboards_landing_page_and_first_in_the_menu(week) -> None:
    html = client_for(week.people.manager).get(reverse("analytics_overview")).content.decode()
    assert f'<a href="{URL}"' in html
    subnav = html[html.index('aria-label="Dashboards"'):]
    assert subnav.index("This week") < subnav.index("Overview")


# ----- the actions -------------------------------------------------------------------------------
def _post(user, name: str, learner, data: dict) -> object:
    with TestCase.captureOnCommitCallbacks(execute=True):  # emails are queued once the change commits
        return client_for(user).post(reverse(name, args=[learner.pk]), {"back": "week", **data})


def test_it_assigns_the_suggested_module(week, inbox) -> None:
    p = week.people
    module = week.course.modules.get(slug="m0")
    due = timezone.localdate() + timedelta(days=5)
    response = _post(p.manager, "analytics_learner_assign", p.learner, {"module": module.pk, "due": due.isoformat()})
    assert response.status_code == 302 and response["Location"] == URL
    assignment = Assignment.objects.get(learner=p.learner)
    assert (assignment.module, assignment.due, assignment.assigned_by) == (module, due, p.manager)
    assert [m["X-Envelope-To"] for m in inbox.messages] == ["alice@example.org"]
    _post(p.manager, "analytics_learner_assign", p.learner, {"module": module.pk, "due": due.isoformat()})
    assert Assignment.objects.filter(learner=p.learner).count() == 1  # again: the same assignment


def test_it_refuses_a_past_date_and_writes_nothing(week) -> None:
    p = week.people
    response = _post(p.manager, "analytics_learner_assign", p.learner,
                     {"module": week.course.modules.first().pk, "due": "2000-01-01"})
    assert response.status_code == 400
    assert "Choose a date that is not in the past." in response.content.decode()
    assert not Assignment.objects.filter(learner=p.learner).exists()


def test_it_sends_a_message_by_email_and_keeps_it(week, inbox) -> None:
    p = week.people
    response = _post(p.manager, "analytics_learner_message", p.teammate,
                     {"text": "Module 1 is due on Friday: shall we find half an hour for it?"})
    assert response.status_code == 302 and response["Location"] == URL
    email = Email.objects.get(kind=Email.MESSAGE)
    assert (email.recipient, email.sender, email.status) == (p.teammate, p.manager, Email.SENT)
    [message] = inbox.messages
    assert message["X-Envelope-To"] == "bob@example.org"
    assert message["Subject"] == "A message from maria on Pathwise"
    assert message["Reply-To"] == "maria@example.org"
    assert "shall we find half an hour for it?" in inbox.body(message)


def test_it_says_why_a_message_cannot_be_sent(week, inbox) -> None:
    p = week.people
    p.teammate.email = ""
    p.teammate.save()
    response = _post(p.manager, "analytics_learner_message", p.teammate, {"text": "Hello"})
    assert response.status_code == 400
    assert "This learner has no email address on file." in response.content.decode()
    assert not Email.objects.exists() and inbox.messages == []
    assert _post(p.manager, "analytics_learner_message", p.learner, {"text": "   "}).status_code == 400


def test_it_saves_a_note_and_returns_to_the_week(week) -> None:
    p = week.people
    response = _post(p.manager, "analytics_learner_note", p.learner, {"text": "Struggling with fractions; pair with Bob."})
    assert response.status_code == 302 and response["Location"] == URL
    assert CoachNote.objects.get().text == "Struggling with fractions; pair with Bob."


@pytest.mark.parametrize("name", ["analytics_learner_assign", "analytics_learner_message"])
def test_it_keeps_actions_to_the_managers_own_learners(week, name) -> None:
    p = week.people
    data = {"module": week.course.modules.first().pk, "text": "Hello"}
    assert _post(p.manager, name, p.outsider, data).status_code == 404
    assert _post(p.learner, name, p.teammate, data).status_code == 404
    assert client_for(p.manager).get(reverse(name, args=[p.learner.pk])).status_code == 405
    assert Assignment.objects.count() == 1 and not Email.objects.exists()  # only bob's, from before


@pytest.mark.parametrize(("zone", "overdue"), [("Pacific/Kiritimati", True), ("Pacific/Pago_Pago", False)])
def test_overdue_is_judged_on_the_learners_own_day(week, zone, overdue) -> None:
    # Kiritimati (UTC+14) is always one or two days ahead of Pago Pago (UTC-11): a module due the
    # day before Kiritimati's today is late there and not yet late in Pago Pago, whatever the hour.
    Preferences.objects.create(user=week.people.teammate, time_zone=zone)
    due = NOW.astimezone(ZoneInfo("Pacific/Kiritimati")).date() - timedelta(days=1)
    Assignment.objects.filter(learner=week.people.teammate).update(due=due)
    scope = selectors.Scope(viewer=week.people.manager, teams=week.people.manager.managed_teams.all())
    [bob] = [c for c in selectors.concerns(scope, NOW) if c.user.username == "bob"]
    assert bob.reasons[0].startswith("“Module 1” was due") is overdue, bob.reasons
