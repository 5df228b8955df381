"""Background work of the dashboards: incremental rollups and the live check of the learner model."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from lms.analytics.services import analytics_refresh, model_health_check


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3,
             time_limit=900, soft_time_limit=840, acks_late=True)
def refresh_dashboards() -> dict[str, int]:
    """Roll up what changed since the last run (claimed, so concurrent runs do nothing)."""
    report = analytics_refresh()
    return {"responses": report.responses, "enrollments": report.enrollments, "skipped": int(report.skipped)}


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3,
             time_limit=600, soft_time_limit=560, acks_late=True)
def check_model_health(window_days: int = 7) -> int | None:
    """Measure the champion on recent live answers; returns the check's id (None without a model)."""
    check = model_health_check(window_days=window_days)
    return check.pk if check else None
