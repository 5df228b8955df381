from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError

from lms.lti.services import PlatformUnavailable, context_roster_sync, grade_link_send


@shared_task(bind=True, autoretry_for=(PlatformUnavailable, OperationalError), retry_backoff=5,
             retry_backoff_max=600, max_retries=6, time_limit=90, soft_time_limit=80)
def send_grade(self: Any, grade_link_id: int) -> bool:
    """Post a learner's score to the platform's grade column (nothing when it has that score already)."""
    return grade_link_send(grade_link_id=grade_link_id)


@shared_task(bind=True, autoretry_for=(PlatformUnavailable, OperationalError), retry_backoff=5,
             retry_backoff_max=600, max_retries=6, time_limit=300, soft_time_limit=280)
def sync_roster(self: Any, context_id: int) -> int | None:
    """Fill the team of a platform course from its roster; returns the team's id."""
    team = context_roster_sync(context_id=context_id)
    return team.pk if team is not None else None
