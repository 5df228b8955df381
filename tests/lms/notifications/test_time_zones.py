"""Each person's own time zone: reminders on their own day and morning, overdue from their own
midnight, calendar events that name their zone, and emails and pages that say which zone it is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from adaptive.models import Assignment
from lms.accounts.models import Preferences
from lms.accounts.selectors import due_deadline
from lms.notifications.models import CalendarFeed, Email
from lms.notifications.selectors import overdue_in_team
from lms.notifications.services import digests_create, email_send, reminders_create
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory

AUCKLAND = ZoneInfo("Pacific/Auckland")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def zoned(people, settings):
    """alice in Auckland (UTC+12, +13 in its summer), bob in Los Angeles (UTC-8, -7 in its summer),
    maria (their manager) with no zone chosen: the site's, UTC."""
    settings.PATHWISE_EMAIL_HOUR = 7
    Preferences.objects.create(user=people.learner, time_zone="Pacific/Auckland")
    Preferences.objects.create(user=people.teammate, time_zone="America/Los_Angeles")
    return people


def _team_assignment(people, due: date) -> Assignment:
    module = ModuleFactory(course=CourseFactory(title="Statistics"), title="Averages")
    assignment = Assignment.objects.create(module=module, team=people.team, due=due, assigned_by=people.manager)
    Assignment.objects.filter(pk=assignment.pk).update(created=datetime.combine(due, time(0), tzinfo=UTC)
                                                       - timedelta(days=30))
    return assignment


def _hours(first: datetime, last: datetime) -> Iterator[datetime]:
    now = first
    while now <= last:
        yield now
        now += timedelta(hours=1)


def _run_hourly(due: date) -> list[tuple[str, str, datetime]]:
    """Beat's hourly reminder run (twice an hour: a repeat must change nothing) from five days
    before the due date to ten after; each email is sent at once. (recipient, kind, when) per email."""
    sent = []
    start = datetime.combine(due - timedelta(days=5), time(0), tzinfo=UTC)
    for now in _hours(start, start + timedelta(days=15)):
        for pk in reminders_create(now=now) + reminders_create(now=now):
            if email_send(email_id=pk, now=now) == "sent":
                email = Email.objects.select_related("recipient").get(pk=pk)
                sent.append((email.recipient.username, email.kind, now))
    return sent


# The due dates: an ordinary week, the day before Los Angeles leaves summer time (Sunday 1 November
# 2026, 02:00 PDT to 01:00 PST), the day before Auckland enters it (Sunday 27 September 2026, 02:00
# NZST to 03:00 NZDT), and Los Angeles entering summer time on the due date itself (14 March 2027).
@pytest.mark.parametrize("due", [date(2026, 11, 18), date(2026, 11, 2), date(2026, 9, 28), date(2027, 3, 14)])
def test_each_learner_is_reminded_on_their_own_day_at_seven_once_per_stage(zoned, inbox, due) -> None:
    _team_assignment(zoned, due)
    sent = _run_hourly(due)
    for name, zone in [("alice", AUCKLAND), ("bob", LOS_ANGELES)]:
        mine = [(kind, when.astimezone(zone)) for who, kind, when in sent if who == name]
        assert [kind for kind, _ in mine] == [Email.DUE_SOON, Email.DUE_TOMORROW, Email.OVERDUE], name
        assert [local.date() for _, local in mine] == [due - timedelta(days=3), due - timedelta(days=1),
                                                       due + timedelta(days=1)], name
        assert {local.time() for _, local in mine} == {time(7)}, f"{name}: at seven in their own morning"
    # The same due date reaches Auckland 21 hours (20 or 19 across a change of clocks) before Los Angeles.
    alice_first = next(when for who, _, when in sent if who == "alice")
    bob_first = next(when for who, _, when in sent if who == "bob")
    assert timedelta(hours=19) <= bob_first - alice_first <= timedelta(hours=21)
    assert Email.objects.count() == 6 and len(inbox.messages) == 6


def test_the_subject_and_body_speak_of_the_learners_own_day_and_zone(zoned, inbox) -> None:
    due = date(2026, 11, 18)
    _team_assignment(zoned, due)
    # 18:00 UTC on the 17th: already 07:00 on the 18th in Auckland, still 10:00 on the 17th in Los Angeles.
    now = datetime(2026, 11, 17, 18, 0, tzinfo=UTC)
    for pk in reminders_create(now=now):
        email_send(email_id=pk, now=now)
    [alice] = inbox.to("alice@example.org")
    [bob] = inbox.to("bob@example.org")
    assert alice["Subject"] == "Due today: Statistics: Averages"
    assert bob["Subject"] == "Due tomorrow: Statistics: Averages"
    assert "due today, Wednesday 18 November 2026" in inbox.body(alice)
    assert "Due dates end at midnight in your time zone (Pacific/Auckland)" in inbox.body(alice)
    assert "Due dates end at midnight in your time zone (America/Los Angeles)" in inbox.body(bob)


def test_the_email_is_in_the_learners_language_and_zone(zoned, inbox) -> None:
    Preferences.objects.filter(user=zoned.learner).update(language="fr")
    _team_assignment(zoned, date(2026, 11, 18))
    now = datetime(2026, 11, 17, 18, 0, tzinfo=UTC)
    for pk in reminders_create(now=now):
        email_send(email_id=pk, now=now)
    [alice] = inbox.to("alice@example.org")
    assert "(Pacific/Auckland)" in inbox.body(alice)
    assert "Due dates end at midnight" not in inbox.body(alice)


def test_a_due_date_ends_at_midnight_in_the_learners_zone() -> None:
    assert due_deadline(date(2026, 11, 18), AUCKLAND) == datetime(2026, 11, 18, 11, 0, tzinfo=UTC)
    assert due_deadline(date(2026, 11, 18), LOS_ANGELES) == datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    # Either side of Los Angeles leaving summer time (01:00 comes twice on 1 November 2026).
    assert due_deadline(date(2026, 10, 31), LOS_ANGELES) == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    assert due_deadline(date(2026, 11, 1), LOS_ANGELES) == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    # Santiago skipped midnight on 11 September 2022 (00:00 became 01:00): the day ends when clocks jump.
    deadline = due_deadline(date(2022, 9, 10), ZoneInfo("America/Santiago"))
    assert deadline == datetime(2022, 9, 11, 4, 0, tzinfo=UTC)
    assert deadline.astimezone(ZoneInfo("America/Santiago")).timetuple()[:5] == (2022, 9, 11, 1, 0)


def test_overdue_is_judged_on_each_learners_own_day(zoned) -> None:
    due = date(2026, 11, 18)
    _team_assignment(zoned, due)
    just_after_auckland = datetime(2026, 11, 18, 11, 0, tzinfo=UTC)  # midnight in Auckland, 03:00 in Los Angeles
    assert overdue_in_team(zoned.team, just_after_auckland - timedelta(seconds=1)) == []
    [late] = overdue_in_team(zoned.team, just_after_auckland)
    assert late.learner == zoned.learner and late.today == date(2026, 11, 19)
    names = [d.learner.username for d in overdue_in_team(zoned.team, datetime(2026, 11, 19, 8, 0, tzinfo=UTC))]
    assert sorted(names) == ["alice", "bob"]


def test_the_weekly_digest_comes_on_the_managers_own_monday_morning(zoned, inbox) -> None:
    Preferences.objects.create(user=zoned.manager, time_zone="Pacific/Auckland")
    _team_assignment(zoned, date(2026, 11, 10))
    sent = []
    for now in _hours(datetime(2026, 11, 13, 0, 0, tzinfo=UTC), datetime(2026, 11, 21, 0, 0, tzinfo=UTC)):
        for pk in digests_create(now=now, frequency="weekly") + digests_create(now=now, frequency="weekly"):
            if email_send(email_id=pk, now=now) == "sent":
                sent.append(now)
    # Monday 16 November, 07:00 in Auckland (NZDT, UTC+13) is Sunday 15 November, 18:00 UTC.
    assert sent == [datetime(2026, 11, 15, 18, 0, tzinfo=UTC)]
    assert Email.objects.get(kind=Email.DIGEST).period == date(2026, 11, 16)
    [digest] = inbox.to("maria@example.org")
    assert "As of Monday 16 November 2026" in inbox.body(digest)
    assert "Each learner's due dates end at midnight in their own time zone" in inbox.body(digest)


def _utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def _calendar_events(user) -> list:
    client_for(user).post(reverse("calendar_feed_new"))
    token = CalendarFeed.objects.get(user=user).token
    response = Client().get(reverse("calendar_feed", args=[token]))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    return [calendar, *calendar.walk("VEVENT")]


@pytest.mark.parametrize(("who", "zone_name", "due", "start_utc", "end_utc"), [
    ("learner", "Pacific/Auckland", date(2026, 11, 18), _utc(2026, 11, 18, 10), _utc(2026, 11, 18, 11)),
    ("teammate", "America/Los_Angeles", date(2026, 11, 18), _utc(2026, 11, 19, 7), _utc(2026, 11, 19, 8)),
    # The due day on which Los Angeles leaves summer time is 25 hours long; its last hour is in PST.
    ("teammate", "America/Los_Angeles", date(2026, 11, 1), _utc(2026, 11, 2, 7), _utc(2026, 11, 2, 8)),
    # The day before, the last hour is still in PDT.
    ("teammate", "America/Los_Angeles", date(2026, 10, 31), _utc(2026, 11, 1, 6), _utc(2026, 11, 1, 7)),
])
def test_the_calendar_event_ends_at_midnight_in_the_learners_zone(zoned, who, zone_name, due, start_utc,
                                                                   end_utc) -> None:
    _team_assignment(zoned, due)
    calendar, event = _calendar_events(getattr(zoned, who))
    assert event["DTSTART"].params["TZID"] == zone_name and event["DTEND"].params["TZID"] == zone_name
    assert event.decoded("DTSTART").astimezone(UTC) == start_utc
    assert event.decoded("DTEND").astimezone(UTC) == end_utc
    assert event.decoded("DTSTART").astimezone(ZoneInfo(zone_name)).time() == time(23, 0)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == [zone_name]
    assert f"{zone_name.replace('_', ' ')} time" in str(event["DESCRIPTION"])
    assert b"TZID=" + zone_name.encode() in calendar.to_ical()


def test_the_dashboard_names_the_learners_zone(zoned) -> None:
    _team_assignment(zoned, date(2026, 11, 18))
    page = client_for(zoned.learner).get(reverse("dashboard")).content.decode()
    assert "Due dates end at midnight in your time zone (Pacific/Auckland)." in page


def test_the_team_page_counts_overdue_on_each_members_own_day(zoned) -> None:
    # Due "yesterday" in Auckland is always past; in Los Angeles it may still be that day.
    now = datetime.now(UTC)
    auckland_yesterday = now.astimezone(AUCKLAND).date() - timedelta(days=1)
    _team_assignment(zoned, auckland_yesterday)
    bob_late = now.astimezone(LOS_ANGELES).date() > auckland_yesterday
    page = client_for(zoned.manager).get(reverse("team_detail", args=[zoned.team.slug]))
    assert page.status_code == 200
    overdue = [d.learner.username for d in overdue_in_team(zoned.team, now)]
    assert overdue == (["alice", "bob"] if bob_late else ["alice"])
    assert "each learner&#x27;s own time zone" in page.content.decode()
