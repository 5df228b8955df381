"""The work that follows an answer. Tasks take ids, call one service, and are safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError
from django.db.models import Max, Min

from adaptive import registry
from adaptive.models import LearnerState
from adaptive.services import learner_state_advance
from lms.learning.models import Enrollment, Response
from lms.learning.services import enrollment_refresh_progress, response_process

logger = logging.getLogger(__name__)


# retry_backoff is a whole number of seconds to Celery (a fraction is raised to 1): waits of about 1, 2, 4 s.
@shared_task(bind=True, autoretry_for=(OperationalError,), retry_backoff=1, max_retries=3,
             time_limit=30, soft_time_limit=20, acks_late=True)
def process_response(self: object, response_id: int) -> None:
    """Take the answer into the learner's state and decide what comes next (the realtime queue).

    Running it twice changes nothing: the state only applies responses it has not seen, and a
    decision is stored once per response.
    """
    response_process(response_id=response_id)


@shared_task(
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def refresh_enrollment_progress(self: object, enrollment_id: int) -> None:
    """Recompute one enrolment's progress summary from its responses (idempotent)."""
    enrollment_refresh_progress(enrollment_id=enrollment_id)


@shared_task(time_limit=300, soft_time_limit=280)
def reconcile_unprocessed_responses(limit: int = 1000) -> int:
    """Catch up enrolments whose responses were never processed (broker or worker was down)."""
    pending = (
        Response.objects.filter(processed_at__isnull=True)
        .values("user_id", "course_id")
        .annotate(first=Min("created"))
        .order_by("first")[:limit]
    )
    count = 0
    for row in pending:
        enrollment = Enrollment.objects.filter(user_id=row["user_id"], course_id=row["course_id"]).first()
        if enrollment:
            enrollment_refresh_progress(enrollment_id=enrollment.pk)
            count += 1
    if count:
        logger.info("reconciled %d enrolments with unprocessed responses", count)
    return count


@shared_task(time_limit=600, soft_time_limit=570)
def reconcile_learner_states(limit: int = 500) -> int:
    """Catch up learners whose stored state is behind their responses, or on an older model (broker
    or worker was down): what ``process_response`` missed, without its decisions."""
    latest = Response.objects.values("user_id").annotate(last=Max("id"))
    seen = dict(LearnerState.objects.values_list("user_id", "last_response_id"))
    current = registry.serving().version_id
    versions = dict(LearnerState.objects.values_list("user_id", "model_version_id"))
    behind = [row["user_id"] for row in latest
              if row["last"] > seen.get(row["user_id"], 0) or versions.get(row["user_id"]) != current][:limit]
    for user_id in behind:
        learner_state_advance(user_id=user_id)
    if behind:
        logger.info("reconciled the learner states of %d learners", len(behind))
    return len(behind)
