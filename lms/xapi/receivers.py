"""Where the xAPI outbox follows the events of learning and of the adaptive layer: each receiver
runs inside the transaction of its event and records the statements that report it."""

from __future__ import annotations

from typing import Any

from adaptive.signals import mastery_changed
from lms.learning.signals import quiz_attempt_finished, response_recorded
from lms.xapi import services


def _on_response(sender: Any, response: Any, **kwargs: Any) -> None:
    services.statement_record_answer(response=response)


def _on_quiz_finished(sender: Any, attempt: Any, score: float, answered: int, module_completed: bool,
                      **kwargs: Any) -> None:
    services.statement_record_quiz_finished(attempt=attempt, score=score, answered=answered,
                                            module_completed=module_completed)


def _on_mastery(sender: Any, user_id: int, response_id: int, before: dict[str, float], after: dict[str, float],
                courses: dict[int, Any], **kwargs: Any) -> None:
    services.statement_record_mastery(user_id=user_id, response_id=response_id, before=before, after=after,
                                      courses=courses)


def connect() -> None:
    response_recorded.connect(_on_response, dispatch_uid="xapi-answer")
    quiz_attempt_finished.connect(_on_quiz_finished, dispatch_uid="xapi-quiz")
    mastery_changed.connect(_on_mastery, dispatch_uid="xapi-mastery")
