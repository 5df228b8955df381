"""Reads of the adaptive layer: the product's response log as the core's ResponseLog, skill maps."""

from __future__ import annotations

from collections.abc import Iterable

from adaptive.core.data import ResponseLog
from lms.content.models import Question
from lms.learning.models import Response


def primary_skills(question_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Question id → the slug of its first skill (as listed by its author): the skill a response is
    traced on, since the core keeps one skill per response."""
    through = Question.skills.through.objects.order_by("id").values_list("question_id", "skill__slug")
    if question_ids is not None:
        through = through.filter(question_id__in=list(question_ids))
    result: dict[int, str] = {}
    for question_id, slug in through:
        result.setdefault(question_id, slug)
    return result


def item_id(question_key: str) -> str:
    """The model's item id for a question: its key, stable across export and import."""
    return question_key


def response_log(responses: Iterable[Response] | None = None) -> ResponseLog:
    """The product's response log for the core: learner id, question key, primary skill, correct,
    time. Ordered by id (commit order) inside each learner."""
    rows = (
        Response.objects.order_by("user_id", "id").values_list("user_id", "question_id", "question__key",
                                                               "is_correct", "created")
        if responses is None
        else [(r.user_id, r.question_id, r.question.key, r.is_correct, r.created) for r in responses]
    )
    skills = primary_skills()
    return ResponseLog.from_records(
        (user_id, item_id(key), skills.get(question_id), bool(correct), created)
        for user_id, question_id, key, correct, created in rows
    )
