from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from adaptive.models import Assignment
from lms.learning.models import ModuleCompletion
from lms.notifications.models import Email
from lms.notifications.selectors import stage_of
from lms.notifications.services import digests_create, email_send, email_settings_update, reminders_create
from lms.notifications.tasks import send_due_date_reminders, send_team_digests
from tests.lms.factories import CourseFactory, ModuleFactory, UserFactory


@pytest.fixture(autouse=True)
def _any_hour(settings) -> None:
    """These tests run at whatever hour the clock says: every hour is past the email hour, and the
    digest goes out every day (tests/lms/notifications/test_time_zones.py checks the hours)."""
    settings.PATHWISE_EMAIL_HOUR = 0
    settings.PATHWISE_TEAM_DIGEST = "daily"


def _assignment(people, *, days_left: int, title: str = "Averages", **who) -> Assignment:
    """An assignment made two days ago, due ``days_left`` days from today."""
    module = ModuleFactory(course=CourseFactory(title="Statistics"), title=title)
    assignment = Assignment.objects.create(module=module, assigned_by=people.manager,
                                           due=timezone.localdate() + timedelta(days=days_left), **who)
    Assignment.objects.filter(pk=assignment.pk).update(created=timezone.now() - timedelta(days=2))
    return assignment


def test_the_stages_cover_three_days_before_to_a_week_after() -> None:
    today = timezone.localdate()
    stages = [stage_of(today + timedelta(days=n), today) for n in range(5, -10, -1)]
    assert stages == [None, None, "due_soon", "due_soon", "due_tomorrow", "due_tomorrow",
                      *["overdue"] * 7, None, None]


def test_it_reminds_each_learner_once_per_stage(people, inbox) -> None:
    _assignment(people, days_left=3, learner=people.learner)
    _assignment(people, days_left=1, title="Medians", team=people.team)
    send_due_date_reminders.delay()
    send_due_date_reminders.delay()  # beat ran twice, or the task was retried
    subjects = sorted((m["X-Envelope-To"], m["Subject"]) for m in inbox.messages)
    assert subjects == [("alice@example.org", "Due in 3 days: Statistics: Averages"),
                        ("alice@example.org", "Due tomorrow: Statistics: Medians"),
                        ("bob@example.org", "Due tomorrow: Statistics: Medians")]
    due = timezone.localdate() + timedelta(days=3)
    [soon] = [m for m in inbox.messages if m["Subject"].startswith("Due in 3 days")]
    assert f"due in 3 days, on {due:%A} {due.day} {due:%B %Y}" in inbox.body(soon)
    assert Email.objects.filter(status=Email.SENT).count() == 3


def test_it_sends_the_next_stage_when_the_day_comes(people, inbox) -> None:
    assignment = _assignment(people, days_left=3, learner=people.learner)
    now = timezone.now()
    for day in range(0, 8):  # one run a day, from three days before to four days after
        for pk in reminders_create(now=now + timedelta(days=day)):
            email_send(email_id=pk, now=now + timedelta(days=day))
    assert [m["Subject"].split(":")[0] for m in inbox.messages] == ["Due in 3 days", "Due tomorrow", "Overdue"]
    assert f"was due {assignment.due:%A} {assignment.due.day}" in inbox.messages[2]["Subject"]


def test_a_moved_due_date_is_reminded_again(people, inbox) -> None:
    assignment = _assignment(people, days_left=1, learner=people.learner)
    send_due_date_reminders.delay()
    Assignment.objects.filter(pk=assignment.pk).update(due=timezone.localdate())
    send_due_date_reminders.delay()
    assert [m["Subject"] for m in inbox.messages] == ["Due tomorrow: Statistics: Averages",
                                                      "Due today: Statistics: Averages"]


def test_it_does_not_remind_of_completed_modules_or_opted_out_learners(people, inbox) -> None:
    assignment = _assignment(people, days_left=1, team=people.team)
    ModuleCompletion.objects.create(user=people.learner, module=assignment.module, completed_at=timezone.now())
    email_settings_update(user=people.teammate, assignments=False)
    send_due_date_reminders.delay()
    assert inbox.messages == []


def test_it_waits_a_day_after_the_assignment_email(people, inbox) -> None:
    assignment = _assignment(people, days_left=2, learner=people.learner)
    Assignment.objects.filter(pk=assignment.pk).update(created=timezone.now())
    send_due_date_reminders.delay()
    assert inbox.messages == []


def test_a_lost_task_is_sent_by_the_next_run(people, inbox) -> None:
    assignment = _assignment(people, days_left=20, learner=people.learner)
    lost = Email.objects.create(recipient=people.learner, kind=Email.ASSIGNED, assignment=assignment)
    Email.objects.filter(pk=lost.pk).update(created=timezone.now() - timedelta(hours=2))
    send_due_date_reminders.delay()
    send_due_date_reminders.delay()
    assert [m["Subject"].split(":")[0] for m in inbox.messages] == ["New module assigned"]


def test_the_digest_lists_what_is_overdue_in_the_managers_teams(people, inbox) -> None:
    _assignment(people, days_left=-2, learner=people.learner)
    _assignment(people, days_left=-5, title="Medians", team=people.team)
    _assignment(people, days_left=-3, title="Modes", learner=people.outsider)  # another team
    _assignment(people, days_left=2, title="Ranges", learner=people.teammate)  # not overdue yet
    send_team_digests.delay()
    send_team_digests.delay()
    [digest] = inbox.to("maria@example.org")
    assert digest["Subject"] == "Overdue in your teams: 3 assigned modules"
    body = inbox.body(digest)
    assert "Analysts (http://testserver/accounts/teams/analysts/)" in body
    assert "alice: Statistics: Averages" in body and "(2 days late)" in body
    assert "bob: Statistics: Medians" in body and "Modes" not in body and "Ranges" not in body
    assert "/email/unsubscribe/" in body


def test_the_digest_is_weekly_or_daily(people, inbox) -> None:
    _assignment(people, days_left=-10, learner=people.learner)
    now = timezone.now()
    monday = now - timedelta(days=now.weekday())
    assert len(digests_create(now=monday, frequency="weekly")) == 1
    Email.objects.update(status=Email.SENT)
    assert digests_create(now=monday + timedelta(hours=1), frequency="weekly") == []
    assert digests_create(now=monday + timedelta(days=3), frequency="weekly") == []
    assert len(digests_create(now=monday + timedelta(days=3), frequency="daily")) == 1
    assert digests_create(now=monday, frequency="off") == []


def test_no_digest_for_managers_without_overdue_work_or_who_opted_out(people, inbox) -> None:
    other = UserFactory(username="olga", role="manager")
    people.other_team.managers.add(other)
    _assignment(people, days_left=-2, learner=people.learner)
    email_settings_update(user=people.manager, team_digest=False)
    send_team_digests.delay()
    assert inbox.messages == []
