"""Diary test data: an entry with ratings, and a learner-model state."""

from __future__ import annotations

import uuid

from adaptive.models import LearnerState
from lms.content.models import Skill
from lms.diary.models import DiaryEntry
from lms.diary.services import diary_entry_create
from lms.learning.models import Response
from tests.lms.factories import ModuleFactory, QuestionFactory, SkillFactory, new_submission_id


def write_entry(user: object, *, studied: str = "Medians and means.", ratings: dict[Skill, int] | None = None,
                shared: bool = False, **kwargs: object) -> DiaryEntry:
    entry, _created = diary_entry_create(user=user, submission_id=uuid.uuid4(), studied=studied,  # type: ignore[arg-type]
                                         ratings=ratings or {}, shared=shared, **kwargs)  # type: ignore[arg-type]
    return entry


def set_mastery(user: object, mastery: dict[str, float], *, practised: bool = True) -> None:
    """The learner model's state for ``user``; with ``practised``, one answer on a question of each
    skill as well, since the diary shows an estimate only for skills the learner has answered on."""
    LearnerState.objects.update_or_create(user=user, defaults={"mastery": mastery})
    if not practised:
        return
    module = ModuleFactory()
    for slug in mastery:
        skill = Skill.objects.filter(slug=slug).first() or SkillFactory(slug=slug)
        question = QuestionFactory()
        question.skills.add(skill)
        Response.objects.create(submission_id=new_submission_id(), user=user, question=question, module=module,
                                course=module.course, answer=[1], is_correct=True, score=1.0, attempt_number=1)
