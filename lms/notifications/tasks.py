"""Email tasks: they take ids, write rows through the services and send one email per task, so a
retry resends nothing that went out."""

from __future__ import annotations

from datetime import timedelta

from celery import Task, shared_task
from django.conf import settings
from django.utils import timezone

from lms.notifications.selectors import emails_to_send
from lms.notifications.services import (
    TransientEmailError,
    assignment_emails_create,
    digests_create,
    email_send,
    reminders_create,
)
from lms.queueing import publish

# Retries after 1, 2, 4, 8 and 16 minutes: a mail server down for half an hour loses nothing.
EMAIL_RETRIES = 5
EMAIL_RETRY_BASE_S = 60
# A pending email older than this lost its task (the broker was down) or waits for a retry; the
# next hourly run queues it again, and the claim on its row keeps it from going out twice.
STALE_AFTER = timedelta(hours=1)


@shared_task(bind=True, max_retries=EMAIL_RETRIES, acks_late=True, soft_time_limit=60, time_limit=90)
def send_email(self: Task[[int], str], email_id: int) -> str:
    final = self.request.retries >= EMAIL_RETRIES
    try:
        return email_send(email_id=email_id, final_attempt=final)
    except TransientEmailError as exc:
        raise self.retry(exc=exc, countdown=EMAIL_RETRY_BASE_S * 2 ** self.request.retries) from exc


def _queue(ids: list[int]) -> int:
    return sum(publish(send_email, email_id) for email_id in ids)


@shared_task(soft_time_limit=60, time_limit=90)
def send_assignment_emails(assignment_id: int) -> int:
    """Queued after the assignment commits: one email per learner it is for."""
    return _queue(assignment_emails_create(assignment_id=assignment_id))


@shared_task(soft_time_limit=300, time_limit=360)
def send_due_date_reminders() -> int:
    """Hourly (beat): the reminders of learners whose morning it is, and emails whose task was lost."""
    now = timezone.now()
    ids = reminders_create(now=now)
    stale = [pk for pk in emails_to_send(created_before=now - STALE_AFTER) if pk not in set(ids)]
    return _queue(ids + stale)


@shared_task(soft_time_limit=300, time_limit=360)
def send_team_digests() -> int:
    """Hourly (beat): the digest of overdue work of each manager whose Monday morning (weekly) or
    morning (daily, PATHWISE_TEAM_DIGEST) it is."""
    return _queue(digests_create(now=timezone.now(), frequency=settings.PATHWISE_TEAM_DIGEST))
