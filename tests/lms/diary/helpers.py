"""Diary test data: an entry with ratings, and a learner-model state."""

from __future__ import annotations

import uuid

from adaptive.models import LearnerState
from lms.content.models import Skill
from lms.diary.models import DiaryEntry
from lms.diary.services import diary_entry_create


def write_entry(user: object, *, studied: str = "Medians and means.", ratings: dict[Skill, int] | None = None,
                shared: bool = False, **kwargs: object) -> DiaryEntry:
    entry, _created = diary_entry_create(user=user, submission_id=uuid.uuid4(), studied=studied,  # type: ignore[arg-type]
                                         ratings=ratings or {}, shared=shared, **kwargs)  # type: ignore[arg-type]
    return entry


def set_mastery(user: object, mastery: dict[str, float]) -> None:
    LearnerState.objects.update_or_create(user=user, defaults={"mastery": mastery})
