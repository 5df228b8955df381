"""Composing notification emails: subject, text, links and the unsubscribe headers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from lms.accounts.models import Team
from lms.accounts.selectors import language_of, today_in, zone_name, zone_of
from lms.notifications.models import Email
from lms.notifications.selectors import has_completed, learners_of, overdue_in_team, wants_email

UNSUBSCRIBE_SALT = "lms.notifications.unsubscribe"
# The EmailSettings field each kind of email is turned off by.
TOPIC_OF: dict[str, str] = {Email.ASSIGNED: "assignments", Email.DUE_SOON: "assignments", Email.DUE_TOMORROW: "assignments",
            Email.OVERDUE: "assignments", Email.DIGEST: "team_digest"}
TOPIC_NAMES = {"assignments": gettext_lazy("emails about modules assigned to you and their due dates"),
               "team_digest": gettext_lazy("the digest of overdue work in the teams you manage")}


def unsubscribe_token(user_id: int, topic: str) -> str:
    """A signed token naming the user and the topic. It does not expire: an unsubscribe link in an
    old email must still work. It can only turn email off, so a leaked one does little harm."""
    return signing.dumps({"u": user_id, "t": topic}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or data.get("t") not in TOPIC_NAMES:
        return None
    return data["u"], data["t"]


def absolute(path: str) -> str:
    return f"{settings.PATHWISE_SITE_URL}{path}"


def long_date(day: date) -> str:
    return dateformat.format(day, "l j F Y")


def compose(email: Email, now: datetime | None = None) -> EmailMessage | None:
    """The message for ``email`` in the recipient's language, with "today" the day it is in the
    recipient's zone at ``now``; None when there is nothing to say any more (the learner turned
    these emails off, completed the module, left the team, or the due date moved)."""
    with translation.override(language_of(email.recipient)):
        return _compose(email, now or timezone.now())


def _compose(email: Email, now: datetime) -> EmailMessage | None:
    user = email.recipient
    zone = zone_of(user)
    today = today_in(zone, now)
    if email.kind == Email.MESSAGE:
        return _message(email)
    topic = TOPIC_OF[email.kind]
    if not wants_email(user, topic):
        return None
    unsubscribe_url = absolute(reverse("unsubscribe", args=[unsubscribe_token(user.pk, topic)]))
    context: dict[str, object] = {"user": user, "name": user.get_full_name() or user.get_username(),
                                  "unsubscribe_url": unsubscribe_url, "account_url": absolute(reverse("account")),
                                  "site_url": settings.PATHWISE_SITE_URL, "zone": zone_name(zone)}
    subject = _digest(email, now, today, context) if email.kind == Email.DIGEST else _about_assignment(email, today, context)
    if subject is None:
        return None
    body = render_to_string(f"notifications/email/{email.kind}.txt", context)
    return EmailMessage(
        subject=subject, body=body, to=[user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "Auto-Submitted": "auto-generated"},
    )


def _message(email: Email) -> EmailMessage | None:
    """A manager's own words to one learner. Not an automated notification, so the topic settings do
    not apply; an account that was closed or lost its address since is not written to. Replies go
    to the manager when they have an address."""
    user, sender = email.recipient, email.sender
    if not user.is_active or not user.email:
        return None
    sender_name = (sender.get_full_name() or sender.get_username()) if sender else _("Your manager")
    reply_to = [sender.email] if sender is not None and sender.email else []
    body = render_to_string("notifications/email/message.txt", {
        "name": user.get_full_name() or user.get_username(), "sender": sender_name, "body": email.body,
        "can_reply": sender is not None, "site_url": settings.PATHWISE_SITE_URL,
        "home_url": absolute(reverse("dashboard"))})
    return EmailMessage(subject=_("A message from %(sender)s on Pathwise") % {"sender": sender_name}, body=body,
                        to=[user.email], reply_to=reply_to)


def _about_assignment(email: Email, today: date, context: dict[str, object]) -> str | None:
    assignment = email.assignment
    assert assignment is not None
    user = email.recipient
    module = assignment.module
    if has_completed(user, module.pk) or user.pk not in {u.pk for u in learners_of(assignment)}:
        return None
    if email.kind != Email.ASSIGNED and assignment.due != email.due:
        return None  # moved: the new date is reminded of in its own right
    due = assignment.due
    days_left = (due - today).days if due else None
    context.update({
        "assignment": assignment, "module": module, "course": module.course, "due": due,
        "due_text": long_date(due) if due else "", "days_left": days_left,
        "days_late": -days_left if days_left is not None else None,
        "assigned_by": (assignment.assigned_by.get_full_name() or assignment.assigned_by.get_username())
        if assignment.assigned_by else "",
        "module_url": absolute(reverse("module", args=[module.course.slug, module.slug])),
    })
    title = f"{module.course.title}: {module.title}"
    if email.kind == Email.ASSIGNED:
        if due:
            return _("New module assigned: %(title)s (due %(due)s)") % {"title": title, "due": long_date(due)}
        return _("New module assigned: %(title)s") % {"title": title}
    if email.kind == Email.DUE_SOON:
        return ngettext("Due in %(count)d day: %(title)s", "Due in %(count)d days: %(title)s", days_left or 0) % {
            "count": days_left, "title": title}
    if email.kind == Email.DUE_TOMORROW:
        if days_left == 0:
            return _("Due today: %(title)s") % {"title": title}
        return _("Due tomorrow: %(title)s") % {"title": title}
    return _("Overdue: %(title)s (was due %(due)s)") % {"title": title, "due": long_date(due)}  # type: ignore[arg-type]


def _digest(email: Email, now: datetime, today: date, context: dict[str, object]) -> str | None:
    """The manager's teams' overdue work at ``now``, each learner judged on their own day."""
    teams: list[dict[str, Any]] = []
    for team in Team.objects.filter(managers=email.recipient).order_by("name"):
        rows = overdue_in_team(team, now)
        if rows:
            teams.append({"team": team, "rows": [
                {"learner": d.learner.get_full_name() or d.learner.get_username(),
                 "title": f"{d.assignment.module.course.title}: {d.assignment.module.title}",
                 "due_text": long_date(d.due), "days_late": ((d.today or today) - d.due).days} for d in rows],
                "url": absolute(reverse("team_detail", args=[team.slug]))})
    if not teams:
        return None
    count = sum(len(t["rows"]) for t in teams)
    context.update({"teams": teams, "count": count, "today_text": long_date(today)})
    return ngettext("Overdue in your teams: %(count)d assigned module", "Overdue in your teams: %(count)d assigned modules",
                    count) % {"count": count}
