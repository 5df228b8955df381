"""Sending the xAPI outbox. The rows carry the retry state (attempts, next try with backoff), so a
task that fails, dies or is never run loses nothing: the beat job sends whatever is due."""

from __future__ import annotations

from celery import shared_task

from lms.xapi.services import statements_send


@shared_task(acks_late=True, soft_time_limit=240, time_limit=300)
def send_xapi_statements() -> int:
    """Queued a moment after statements are recorded, and by beat every minute: send what is due."""
    return statements_send().sent
