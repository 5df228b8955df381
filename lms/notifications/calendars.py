"""A learner's due dates as an iCalendar feed (RFC 5545), for calendar apps to subscribe to."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from lms.accounts.selectors import language_of
from lms.notifications.selectors import due_dates_of


def due_dates_calendar(user: User) -> bytes:
    """One all-day event per assigned module with a due date. A due date is a date without a time,
    so the events float: the same day in whatever time zone the calendar app shows. The UID names
    the learner and the module, so a moved due date moves the event instead of adding another. The
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
    for assignment in due_dates_of(user):
        module = assignment.module
        url = f"{settings.PATHWISE_SITE_URL}{reverse('module', args=[module.course.slug, module.slug])}"
        event = Event()
        event.add("uid", f"module-{module.pk}-learner-{user.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", assignment.due)
        event.add("dtend", assignment.due + timedelta(days=1))  # type: ignore[operator]
        event.add("summary", _("Due: %(course)s: %(module)s") % {"course": module.course.title, "module": module.title})
        by = assignment.assigned_by
        who = _("Assigned by %(name)s.") % {"name": by.get_full_name() or by.get_username()} + " " if by else ""
        event.add("description", who + _("Open the module: %(url)s") % {"url": url})
        event.add("url", url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return calendar.to_ical()
