"""Notification emails and calendar feeds: the writes.

Each email is a row in ``Email`` before it is sent. Writing the rows is idempotent (their unique
constraints, insert-or-ignore), and sending claims a row with a conditional UPDATE, so a scheduler
that runs twice, a retried task or a duplicated message never sends an email twice. A worker that
dies between sending and marking the row leaves it ``sending``: at most once, never twice.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from adaptive.models import Assignment
from lms.accounts.selectors import can_view_learner, zones_of
from lms.notifications.emails import compose
from lms.notifications.models import CalendarFeed, Email, EmailSettings
from lms.notifications.selectors import (
    OVERDUE_WINDOW_DAYS,
    REMINDER_HORIZON,
    digest_recipients,
    dues_between,
    has_completed,
    learners_of,
    overdue_in_team,
    stage_of,
    wants_email,
)

logger = logging.getLogger(__name__)


class TransientEmailError(Exception):
    """The mail server could not take the email now (a 4xx answer, a dropped connection): worth
    retrying later."""


@transaction.atomic
def email_settings_update(*, user: User, assignments: bool | None = None,
                          team_digest: bool | None = None) -> EmailSettings:
    """Turn kinds of email on or off for ``user``; None leaves a setting as it is."""
    row, _ = EmailSettings.objects.select_for_update().get_or_create(user=user)
    if assignments is not None:
        row.assignments = assignments
    if team_digest is not None:
        row.team_digest = team_digest
    row.save()
    return row


def assignment_emails_create(*, assignment_id: int) -> list[int]:
    """Write the email about a new assignment for each of its learners who can be sent one and has
    not completed the module; return the ids of those still to send."""
    assignment = Assignment.objects.select_related("learner", "team").filter(pk=assignment_id).first()
    if assignment is None:
        return []  # deleted since
    learners = [u for u in learners_of(assignment)
                if wants_email(u, "assignments") and not has_completed(u, assignment.module_id)]
    Email.objects.bulk_create([Email(recipient=u, kind=Email.ASSIGNED, assignment=assignment) for u in learners],
                              ignore_conflicts=True)
    return list(Email.objects.filter(kind=Email.ASSIGNED, assignment=assignment, recipient__in=learners,
                                     status=Email.PENDING).values_list("pk", flat=True))


class MessageNotAllowed(Exception):
    """The message cannot be sent: the sender may not write to this learner, or the learner has no
    email address."""


@transaction.atomic
def learner_message_create(*, sender: User, learner: User, text: str) -> Email:
    """Write a manager's message to one of their learners, kept as an Email row (the record that it
    was sent, by whom and what it said); the email goes out after commit (``tasks.send_email``)."""
    text = text.strip()
    if not text:
        raise MessageNotAllowed("write something first")
    if learner.pk == sender.pk or not can_view_learner(sender, learner.pk):
        raise MessageNotAllowed("this learner is not in a team you manage")
    if not learner.is_active or not getattr(learner, "email", ""):
        raise MessageNotAllowed("this learner has no email address on file")
    return Email.objects.create(recipient=learner, kind=Email.MESSAGE, sender=sender, body=text)


def reminders_create(*, now: datetime) -> list[int]:
    """Write the due-date reminders (see ``selectors.stage_of``) of the learners whose own day has
    reached PATHWISE_EMAIL_HOUR at ``now``, at most one per assignment, learner, stage and due date;
    return the ids of those still to send. Beat runs it every hour, so each learner hears in their
    own morning, judged on their own day; a later run the same day finds the rows written."""
    utc_today = now.astimezone(UTC).date()
    # Local days are at most one day either side of UTC's (UTC-12 to UTC+14).
    dues = dues_between(utc_today - timedelta(days=OVERDUE_WINDOW_DAYS + 1), utc_today + REMINDER_HORIZON + timedelta(days=1),
                        created_before=now - timedelta(days=1))
    zones = zones_of(d.learner.pk for d in dues)
    # Written by an earlier run (most learners, most hours): skipped before asking anything more. A
    # pending one among them whose task was lost is queued again by ``emails_to_send``.
    written = set(Email.objects.filter(kind__in=Email.REMINDERS, assignment__in={d.assignment.pk for d in dues})
                  .values_list("assignment_id", "recipient_id", "kind", "due"))
    rows = []
    for d in dues:
        local = now.astimezone(zones[d.learner.pk])
        if local.hour < settings.PATHWISE_EMAIL_HOUR:
            continue
        stage = stage_of(d.due, local.date())
        if stage is None or (d.assignment.pk, d.learner.pk, stage, d.due) in written:
            continue
        if wants_email(d.learner, "assignments"):
            rows.append(Email(recipient=d.learner, kind=stage, assignment=d.assignment, due=d.due))
    Email.objects.bulk_create(rows, ignore_conflicts=True)
    return _still_pending(rows, lambda e: {"kind": e.kind, "assignment": e.assignment, "due": e.due})


def digests_create(*, now: datetime, frequency: str) -> list[int]:
    """Write this period's digest for each manager with overdue work in their teams whose own day
    has reached PATHWISE_EMAIL_HOUR at ``now`` (weekly: on their Monday, the period starting that
    day; daily: every day); return the ids of those still to send. Beat runs it every hour."""
    if frequency == "off":
        return []
    managers = digest_recipients()
    zones = zones_of(m.pk for m in managers)
    rows = []
    for manager in managers:
        local = now.astimezone(zones[manager.pk])
        today = local.date()
        if local.hour < settings.PATHWISE_EMAIL_HOUR or (frequency == "weekly" and today.weekday() != 0):
            continue
        teams = manager.managed_teams.all()
        if any(overdue_in_team(team, now) for team in teams):
            rows.append(Email(recipient=manager, kind=Email.DIGEST, period=today))
    Email.objects.bulk_create(rows, ignore_conflicts=True)
    return _still_pending(rows, lambda e: {"kind": Email.DIGEST, "period": e.period})


def _still_pending(rows: list[Email], key: Callable[[Email], dict[str, object]]) -> list[int]:
    ids = []
    for row in rows:
        found = Email.objects.filter(recipient=row.recipient, status=Email.PENDING, **key(row)).values_list("pk", flat=True).first()
        if found is not None:
            ids.append(found)
    return ids


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return False  # the server lacks what the settings ask for (STARTTLS, say): a configuration error
    return isinstance(exc, OSError)  # refused or dropped connections, timeouts


def _finish(email_id: int, status: str, **fields: object) -> None:
    Email.objects.filter(pk=email_id, status=Email.SENDING).update(status=status, **fields)


def email_send(*, email_id: int, final_attempt: bool = False, now: datetime | None = None) -> str:
    """Send one email if nobody has claimed it yet; return what happened (sent, skipped, failed,
    taken). "Today" in it is the recipient's day at ``now`` (by default, now). A transient failure
    puts it back to pending and raises TransientEmailError, unless this is the ``final_attempt``,
    which marks it failed."""
    if not Email.objects.filter(pk=email_id, status=Email.PENDING).update(status=Email.SENDING,
                                                                         attempts=F("attempts") + 1):
        return "taken"
    email = Email.objects.select_related("recipient", "assignment__module__course", "assignment__assigned_by",
                                         "assignment__learner").get(pk=email_id)
    try:
        message = compose(email, now)
    except Exception:
        _finish(email_id, Email.FAILED, error="could not compose the email (see the worker's log)")
        raise
    if message is None:
        _finish(email_id, Email.SKIPPED)
        return "skipped"
    try:
        message.send()
    except OSError as exc:  # smtplib's errors are OSErrors
        error = f"{type(exc).__name__}: {exc}"[:500]
        if _is_transient(exc) and not final_attempt:
            _finish(email_id, Email.PENDING, error=error)
            raise TransientEmailError(error) from exc
        logger.warning("email %s failed: %s", email_id, error)
        _finish(email_id, Email.FAILED, error=error)
        return "failed"
    _finish(email_id, Email.SENT, sent_at=timezone.now(), error="")
    return "sent"


def calendar_feed_renew(*, user: User) -> CalendarFeed:
    """Give the learner a calendar address, replacing any earlier one (which stops working)."""
    token = secrets.token_urlsafe(32)
    feed, _ = CalendarFeed.objects.update_or_create(user=user, defaults={"token": token, "created": timezone.now()})
    return feed


def calendar_feed_revoke(*, user: User) -> bool:
    """Turn the learner's calendar address off; False when they had none."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return deleted > 0

