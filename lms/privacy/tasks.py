from __future__ import annotations

from celery import shared_task
from django.conf import settings

from lms.privacy.services import audit_events_purge


@shared_task(time_limit=600, soft_time_limit=570)
def purge_audit_events() -> int:
    """Delete audit events older than PATHWISE_AUDIT_RETENTION_DAYS (daily, by beat)."""
    return audit_events_purge(older_than_days=settings.PATHWISE_AUDIT_RETENTION_DAYS)
