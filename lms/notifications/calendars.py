"""A learner's due dates as an iCalendar feed (RFC 5545), for calendar apps to subscribe to."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from lms.accounts.selectors import due_deadline, language_of, zone_name, zone_of
from lms.notifications.selectors import due_dates_of


def due_dates_calendar(user: User) -> bytes:
    """One event per assigned module with a due date: the last hour of the due day in the learner's
    own zone, ending at the deadline (midnight there), with the zone named (TZID and its VTIMEZONE),
    so a calendar app in another zone shows the same instant in its own hours. The UID names the
    learner and the module, so a moved due date moves the event instead of adding another. The
    words are in the learner's language: a calendar app fetches the feed without a browser's."""
    with translation.override(language_of(user)):
        return _calendar(user)


def _calendar(user: User) -> bytes:
    host = urlsplit(settings.PATHWISE_SITE_URL).hostname or "pathwise"
    calendar = Calendar()
    calendar.add("prodid", "-//Pathwise//Due dates//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("Pathwise due dates"))
    calendar.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    stamp = timezone.now()
    zone = zone_of(user)
    for assignment in due_dates_of(user):
        assert assignment.due is not None
        deadline = due_deadline(assignment.due, zone)
        module = assignment.module
        url = f"{settings.PATHWISE_SITE_URL}{reverse('module', args=[module.course.slug, module.slug])}"
        event = Event()
        event.add("uid", f"module-{module.pk}-learner-{user.pk}@{host}")
        event.add("dtstamp", stamp)
        # 23:00 on the due day by the wall clock, even when the day is 23 or 25 hours long.
        event.add("dtstart", datetime.combine(assignment.due, time(23), tzinfo=zone))
        event.add("dtend", deadline)
        event.add("summary", _("Due: %(course)s: %(module)s") % {"course": module.course.title, "module": module.title})
        by = assignment.assigned_by
        who = _("Assigned by %(name)s.") % {"name": by.get_full_name() or by.get_username()} + " " if by else ""
        by_end = _("Due by the end of %(date)s, %(zone)s time.") % {
            "date": date_format(assignment.due, "DATE_FORMAT"), "zone": zone_name(zone)}
        event.add("description", f"{by_end} {who}" + _("Open the module: %(url)s") % {"url": url})
        event.add("url", url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
