"""The account page's sections that belong to notifications: the emails a person gets and their
calendar address. ``lms.accounts`` sits below notifications, so its page draws them with this tag
instead of importing them."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from lms.notifications.forms import EmailSettingsForm
from lms.notifications.selectors import calendar_feed_of, due_dates_of, email_settings_of

register = template.Library()


@register.inclusion_tag("notifications/account_settings.html", takes_context=True)
def notification_settings(context: template.Context) -> dict[str, Any]:
    """The email settings form and the calendar address of the signed-in user."""
    request = context["request"]
    user = request.user
    settings_row = email_settings_of(user)
    form = EmailSettingsForm(initial={"assignments": settings_row.assignments, "team_digest": settings_row.team_digest},
                             manages_teams=user.managed_teams.exists())
    feed = calendar_feed_of(user)
    feed_url = request.build_absolute_uri(reverse("calendar_feed", args=[feed.token])) if feed else ""
    return {"email_form": form, "feed": feed, "feed_url": feed_url, "due_count": len(due_dates_of(user)),
            "has_email": bool(user.email), "csrf_token": context.get("csrf_token")}
