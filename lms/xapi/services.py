"""Record xAPI statements in the outbox with the events they report, and send them to the LRS.

Recording happens inside the transaction of the event (an answer, a quiz closed, the learner's
state refreshed), so a statement exists exactly when its event does. Sending takes due statements
in batches, locked so that two senders never take the same ones; a statement is marked sent only
once the LRS has accepted it, and its id, fixed when recorded, makes a second send of the same
statement a no-op at the LRS. An outage leaves statements pending with a later ``next_try_at``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from lms.content.models import Course, Skill
from lms.learning.models import QuizAttempt, Response
from lms.queueing import publish
from lms.xapi import statements
from lms.xapi.lrs import LRSClient, Reply
from lms.xapi.models import Statement

logger = logging.getLogger(__name__)

RETRY_CAP = timedelta(hours=1)
SEND_DELAY_S = 2.0  # statements recorded meanwhile go in the same batch
_SEND_PENDING_KEY = "xapi:send-pending"


def xapi_enabled() -> bool:
    return bool(settings.PATHWISE_XAPI_ENDPOINT)


def _record(rows: Sequence[tuple[str, int, dict[str, Any]]]) -> int:
    """Insert (verb, user id, statement) rows; a statement recorded already is left as it is."""
    if not rows:
        return 0
    objects = [Statement(id=payload["id"], verb=verb, user_id=user_id, payload=payload)
               for verb, user_id, payload in rows]
    Statement.objects.bulk_create(objects, ignore_conflicts=True)
    transaction.on_commit(statements_send_soon)
    return len(objects)


def statement_record_answer(*, response: Response) -> int:
    """The statement of a new answer."""
    if not xapi_enabled():
        return 0
    return _record([(Statement.ANSWERED, response.user_id, statements.answered(response))])


def statement_record_quiz_finished(*, attempt: QuizAttempt, score: float, answered: int,
                                   module_completed: bool) -> int:
    """The statements of a closed quiz: its completion, and the module's if this was its first."""
    if not xapi_enabled():
        return 0
    when = attempt.finished_at or timezone.now()
    rows = [(Statement.COMPLETED, attempt.user_id,
             statements.quiz_completed(attempt, score=score, answered=answered, when=when))]
    if module_completed and attempt.module_id is not None:
        rows.append((Statement.COMPLETED, attempt.user_id, statements.module_completed(attempt, score=score, when=when)))
    return _record(rows)


def statement_record_mastery(*, user_id: int, response_id: int, before: dict[str, float], after: dict[str, float],
                             courses: dict[int, tuple[Course, Iterable[str]]], when: datetime | None = None) -> int:
    """A ``mastered`` statement for each skill that rose to its course's mastery threshold.

    A skill that slips back below and is mastered again later gets a new statement then (the
    answer that brought it back is part of the statement's identity).
    """
    if not xapi_enabled():
        return 0
    crossed = [(course, slug) for course, slugs in courses.values() for slug in slugs
               if after.get(slug, 0.0) >= course.mastery_threshold > before.get(slug, 0.0)]
    if not crossed:
        return 0
    names = dict(Skill.objects.filter(slug__in={slug for _, slug in crossed}).values_list("slug", "name"))
    moment = when or timezone.now()
    return _record([(Statement.MASTERED, user_id, statements.skill_mastered(
        user_id=user_id, slug=slug, name=names.get(slug, slug), course=course, mastery=after[slug],
        threshold=course.mastery_threshold, response_id=response_id, when=moment)) for course, slug in crossed])


def statements_send_soon() -> None:
    """Queue one send a couple of seconds from now, unless one is queued already; the beat job
    sends whatever this misses (a broker or cache outage)."""
    try:
        queued = not cache.add(_SEND_PENDING_KEY, 1, timeout=int(SEND_DELAY_S) + 30)
    except Exception:  # noqa: BLE001 - without the cache, queue one send per event
        queued = False
    if not queued:
        publish("lms.xapi.tasks.send_xapi_statements", countdown=SEND_DELAY_S)


def _retry_delay(attempts: int) -> timedelta:
    return min(RETRY_CAP, timedelta(seconds=settings.PATHWISE_XAPI_RETRY_BASE_S * 2 ** max(0, attempts - 1)))


def _mark_sent(rows: list[Statement], now: datetime, note: str = "") -> None:
    Statement.objects.filter(pk__in=[row.pk for row in rows]).update(sent_at=now, last_error=note[:500])


def _mark_failed(rows: list[Statement], now: datetime, error: str) -> None:
    for row in rows:
        row.attempts += 1
        Statement.objects.filter(pk=row.pk).update(attempts=row.attempts, last_error=error[:500],
                                                   next_try_at=now + _retry_delay(row.attempts))


def _describe(reply: Reply) -> str:
    return reply.detail if reply.status == 0 else f"the LRS answered {reply.status}: {reply.detail}"


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    batches: int = 0
    stopped: str = ""  # why sending stopped early (the LRS is down), if it did


def _send_batch(batch: list[Statement], client: LRSClient, now: datetime, report: SendReport) -> bool:
    """Send one batch; False when the LRS is unavailable and sending should stop for now."""
    reply = client.post([row.payload for row in batch])
    if reply.accepted:
        _mark_sent(batch, now)
        report.sent += len(batch)
        return True
    if not (reply.conflict or reply.refused):
        # Down, overloaded or refusing our credentials: everything waits, nothing is lost.
        _mark_failed(batch, now, _describe(reply))
        report.failed += len(batch)
        report.stopped = _describe(reply)
        return False
    # The batch is all or nothing at the LRS: one statement it refuses or holds already stops the
    # others. One by one, each gets its own answer.
    for row in batch:
        single = client.put(row.payload)
        if single.accepted:
            _mark_sent([row], now)
            report.sent += 1
        elif single.conflict:
            # The LRS holds a statement with this id: ours, sent before its reply was lost.
            _mark_sent([row], now, note=f"already held by the LRS ({single.status})")
            report.sent += 1
        else:
            _mark_failed([row], now, _describe(single))
            report.failed += 1
            if not single.refused:
                report.stopped = _describe(single)
                return False
    return True


def statements_send(*, limit: int | None = None, max_batches: int = 50, client: LRSClient | None = None,
                    now: datetime | None = None) -> SendReport:
    """Send due statements, oldest first, in batches of ``PATHWISE_XAPI_BATCH_SIZE``, until none
    is due, ``max_batches`` were sent, or the LRS is unavailable."""
    report = SendReport()
    if not xapi_enabled() and client is None:
        return report
    try:
        cache.delete(_SEND_PENDING_KEY)  # statements recorded from now on queue a send of their own
    except Exception:  # noqa: BLE001 - the mark expires by itself
        logger.warning("could not clear the pending xAPI send")
    client = client or LRSClient()
    size = limit or settings.PATHWISE_XAPI_BATCH_SIZE
    while report.batches < max_batches:
        moment = now or timezone.now()
        with transaction.atomic():
            batch = list(Statement.objects.select_for_update(skip_locked=True)
                         .filter(sent_at__isnull=True, next_try_at__lte=moment)
                         .order_by("recorded_at", "id")[:size])
            if not batch:
                break
            report.batches += 1
            carry_on = _send_batch(batch, client, moment, report)
        if not carry_on or len(batch) < size:
            break
    if report.stopped:
        logger.warning("xAPI statements wait for the LRS: %s", report.stopped)
    return report


def statements_resend(*, failing_only: bool = False, include_sent: bool = False,
                      ids: Iterable[Any] | None = None) -> int:
    """Make statements due now: pending ones (or only those that failed), and with ``include_sent``
    those sent already too (the LRS recognises their ids, so it stores nothing twice); ``ids``
    limits it to those statements. Returns how many were made due; :func:`statements_send` sends."""
    rows = Statement.objects.all() if include_sent else Statement.objects.filter(sent_at__isnull=True)
    if failing_only:
        rows = rows.exclude(last_error="")
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(sent_at=None, next_try_at=timezone.now())
