from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from adaptive.models import Assignment
from lms.learning.models import ModuleCompletion
from lms.notifications.models import CalendarFeed
from tests.lms.conftest import client_for
from tests.lms.factories import CourseFactory, ModuleFactory


def _feed_path(people) -> str:
    client_for(people.learner).post(reverse("calendar_feed_new"))
    return reverse("calendar_feed", args=[CalendarFeed.objects.get(user=people.learner).token])


def _events(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def test_it_serves_the_learners_due_dates_without_a_session(people, settings) -> None:
    settings.PATHWISE_SITE_URL = "https://learn.example.org"
    course = CourseFactory(title="Statistics")
    averages = ModuleFactory(course=course, title="Averages")
    medians = ModuleFactory(course=course, title="Medians")
    undated = ModuleFactory(course=course, title="Modes")
    today = timezone.localdate()
    Assignment.objects.create(module=averages, learner=people.learner, due=today + timedelta(days=5),
                              assigned_by=people.manager)
    Assignment.objects.create(module=averages, team=people.team, due=today + timedelta(days=9))  # later: not shown
    Assignment.objects.create(module=medians, team=people.team, due=today + timedelta(days=2))
    Assignment.objects.create(module=undated, learner=people.learner)
    Assignment.objects.create(module=medians, learner=people.outsider, due=today)
    path = _feed_path(people)
    events = _events(Client().get(path))
    assert [str(e["SUMMARY"]) for e in events] == ["Due: Statistics: Medians", "Due: Statistics: Averages"]
    averages_event = events[1]
    # No zone chosen: the last hour of the due day in the site's zone (UTC here), ending at midnight.
    midnight = datetime.combine(today + timedelta(days=6), time(0), tzinfo=UTC)
    assert averages_event.decoded("DTSTART") == midnight - timedelta(hours=1)
    assert averages_event.decoded("DTEND") == midnight
    assert str(averages_event["UID"]) == f"module-{averages.pk}-learner-{people.learner.pk}@learn.example.org"
    assert str(averages_event["URL"]) == f"https://learn.example.org/courses/{course.slug}/{averages.slug}/"
    assert "Assigned by maria" in str(averages_event["DESCRIPTION"])
    assert Client().head(path).status_code == 200


def test_the_uid_stays_when_the_due_date_moves_and_done_modules_leave(people) -> None:
    module = ModuleFactory(title="Averages")
    assignment = Assignment.objects.create(module=module, learner=people.learner, due=timezone.localdate())
    path = _feed_path(people)
    [before] = _events(Client().get(path))
    Assignment.objects.filter(pk=assignment.pk).update(due=timezone.localdate() + timedelta(days=3))
    [after] = _events(Client().get(path))
    assert after["UID"] == before["UID"] and after.decoded("DTSTART") != before.decoded("DTSTART")
    ModuleCompletion.objects.create(user=people.learner, module=module, completed_at=timezone.now())
    assert _events(Client().get(path)) == []


def test_a_new_address_replaces_the_old_one(people) -> None:
    old = _feed_path(people)
    new = _feed_path(people)
    assert old != new
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200


def test_turning_the_address_off_ends_it(people) -> None:
    path = _feed_path(people)
    response = client_for(people.learner).post(reverse("calendar_feed_off"))
    assert response.status_code == 302 and response.url == reverse("account") + "#calendar"
    assert Client().get(path).status_code == 404
    assert client_for(people.learner).post(reverse("calendar_feed_off")).status_code == 302  # again: nothing to do


def test_unknown_or_malformed_addresses_are_not_found(people) -> None:
    for token in ["nope", "x" * 300, "a.b", "%C3%A9"]:
        assert Client().get(f"/calendar/{token}.ics").status_code == 404
    assert Client().get("/calendar/%00.ics").status_code == 400  # refused before any view


def test_a_deactivated_learners_feed_is_gone(people) -> None:
    path = _feed_path(people)
    people.learner.is_active = False
    people.learner.save()
    assert Client().get(path).status_code == 404


def test_the_feed_refuses_writes_and_the_buttons_refuse_gets(people) -> None:
    path = _feed_path(people)
    assert Client().post(path).status_code == 405
    client = client_for(people.learner)
    assert client.get(reverse("calendar_feed_new")).status_code == 405
    assert client.get(reverse("calendar_feed_off")).status_code == 405
    assert Client().post(reverse("calendar_feed_new")).status_code == 302  # signed out: to the sign-in page
    assert CalendarFeed.objects.count() == 1
