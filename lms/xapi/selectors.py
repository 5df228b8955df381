from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from lms.xapi.models import Statement


def statements_pending() -> QuerySet[Statement]:
    return Statement.objects.filter(sent_at__isnull=True, last_error="")


def statements_failing() -> QuerySet[Statement]:
    return Statement.objects.filter(sent_at__isnull=True).exclude(last_error="")


def outbox_counts() -> dict[str, int]:
    """How many statements are pending (never tried), failing (waiting for a retry) and sent."""
    return Statement.objects.aggregate(
        pending=Count("pk", filter=Q(sent_at__isnull=True, last_error="")),
        failing=Count("pk", filter=Q(sent_at__isnull=True) & ~Q(last_error="")),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
    )
