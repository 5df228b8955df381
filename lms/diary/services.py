"""Writes for the diary: one use case each."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from lms.content.models import Module, Skill
from lms.diary.models import METHOD_LABELS, ConfidenceRating, DiaryEntry, DiaryPromptDismissal
from lms.diary.selectors import mastery_for
from lms.learning.models import QuizAttempt


@transaction.atomic
def diary_entry_create(
    *, user: User, submission_id: uuid.UUID, studied: str, methods: list[str] | None = None,
    other_method: str = "", ratings: dict[Skill, int] | None = None, module: Module | None = None,
    quiz_attempt: QuizAttempt | None = None, shared: bool = False,
) -> tuple[DiaryEntry, bool]:
    """Write one entry with its confidence ratings; returns ``(entry, created)``.

    The ``submission_id`` comes from the form, so posting the same form twice (a double click, a
    retry) returns the first entry unchanged. Each rating keeps the learner model's estimate of the
    skill at that moment next to it.
    """
    existing = DiaryEntry.objects.filter(user=user, submission_id=submission_id).first()
    if existing is not None:
        return existing, False
    unknown = [m for m in methods or [] if m not in METHOD_LABELS]
    if unknown:
        raise ValueError(f"unknown methods: {', '.join(unknown)}")
    if quiz_attempt is not None and quiz_attempt.user_id != user.pk:
        raise ValueError("the quiz attempt belongs to someone else")
    try:
        with transaction.atomic():
            entry = DiaryEntry.objects.create(
                user=user, submission_id=submission_id, studied=studied.strip(), methods=list(methods or []),
                other_method=other_method.strip(), module=module or (quiz_attempt.module if quiz_attempt else None),
                quiz_attempt=quiz_attempt, shared_with_managers=shared,
            )
    except IntegrityError:  # the same submission, written by a concurrent request
        return DiaryEntry.objects.get(user=user, submission_id=submission_id), False
    mastery = mastery_for(user)
    ConfidenceRating.objects.bulk_create([
        ConfidenceRating(entry=entry, skill=skill, rating=rating, mastery_at_rating=mastery.get(skill.slug))
        for skill, rating in (ratings or {}).items()
    ])
    return entry, True


def diary_entry_share(*, entry: DiaryEntry, shared: bool) -> bool:
    """Share an entry with the author's managers, or stop sharing it. Returns whether it changed."""
    return entry.set_shared(shared)


def diary_prompt_dismiss(*, user: User, day: dt.date) -> bool:
    """"Not today" for the daily invitation. Returns whether this was the first dismissal that day."""
    _dismissal, created = DiaryPromptDismissal.objects.get_or_create(user=user, day=day)
    return created
