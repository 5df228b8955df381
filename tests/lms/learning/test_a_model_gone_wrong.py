"""A served model that gives NaN at runtime: it passed the invariants when it was loaded, then predicts
NaN for the learners it meets (a learner state nobody checked). Nothing it says is stored as NaN
(PostgreSQL takes 'NaN' in a float column and refuses it in a JSON one), and learners still get their
next question, decided in the module's order."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest
from django.utils import timezone

from adaptive import registry
from adaptive.core.learners import SkillEloModel, State
from adaptive.core.learners.base import ItemInfo, Moment, RawId
from adaptive.decisions import recommended_module
from adaptive.models import Decision, LearnerState, ModelVersion
from lms.analytics.models import ModelHealthCheck, QuestionStats
from lms.analytics.services import course_content_refresh, model_health_check
from lms.content.models import Question
from lms.learning.models import QuizAttempt
from lms.learning.services import quiz_attempt_start, response_process, response_submit
from tests.lms.factories import (
    ModuleFactory,
    QuestionFactory,
    SkillFactory,
    UserFactory,
    add_to_quiz,
    new_submission_id,
)

pytestmark = pytest.mark.django_db


class GoesWrong(SkillEloModel):
    """``skill_elo`` that predicts NaN once ``wrong`` is set (after it was loaded and checked)."""

    wrong = False

    def predict(self, state: State, items: Sequence[RawId], skills: Sequence[RawId | None] | None = None,
                at: Moment = None, *, infos: Sequence[ItemInfo | None] | None = None) -> np.ndarray:
        predicted = super().predict(state, items, skills, at, infos=infos)
        return np.full_like(predicted, np.nan) if self.wrong else predicted

    def predict_skills(self, state: State, skills: Sequence[RawId], at: Moment = None) -> np.ndarray:
        mastery = super().predict_skills(state, skills, at)
        return np.full_like(mastery, np.nan) if self.wrong else mastery


def _champion_gone_wrong(monkeypatch: pytest.MonkeyPatch) -> GoesWrong:
    """A :class:`GoesWrong` champion that was loaded and passed the invariants, and now predicts NaN."""
    model = GoesWrong()
    champion = ModelVersion.objects.create(name="skill_elo", artifact="goes-wrong.pt", sha256="0" * 64,
                                           status=ModelVersion.CHAMPION, promoted_at=timezone.now())
    monkeypatch.setattr(registry, "load_version", lambda version: model)
    registry.forget()
    assert registry.serving().version == champion, "it passes the invariants, so it serves"
    model.wrong = True
    return model


@pytest.fixture(autouse=True)
def _forget_the_champion() -> Iterator[None]:
    registry.forget()
    yield
    registry.forget()


def _numbers(value: Any) -> Iterator[float]:
    """Every number in a stored JSON value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _numbers(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _numbers(item)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield float(value)


def _answer(attempt: QuizAttempt) -> int:
    attempt.refresh_from_db()
    question = Question.objects.get(pk=attempt.current_question_id)
    return response_submit(user=attempt.user, question=question, module=attempt.module,
                           answer=question.choices.get(is_correct=True).pk, submission_id=new_submission_id(),
                           quiz_attempt=attempt).response.pk


def test_a_model_predicting_nan_stores_nothing_non_finite_and_the_quiz_goes_on(monkeypatch, caplog) -> None:
    module = ModuleFactory(course__published=True)
    skills = [SkillFactory(), SkillFactory()]
    questions = [QuestionFactory() for _ in range(4)]
    for n, question in enumerate(questions):
        question.skills.add(skills[n % 2])
    add_to_quiz(module, *questions)
    _champion_gone_wrong(monkeypatch)

    attempt = quiz_attempt_start(user=UserFactory(), module=module)
    attempt.refresh_from_db()
    assert attempt.current_question_id == questions[0].pk, "the first question, in the module's order"
    for _ in range(2):
        response_process(response_id=_answer(attempt))
        attempt.refresh_from_db()
        assert attempt.finished_at is None and attempt.current_question_id is not None, "the learner goes on"

    state = LearnerState.objects.get(user=attempt.user)
    assert state.responses_seen == 2, "the answers are taken in"
    stored = [*_numbers(state.mastery), *_numbers(state.peak_mastery)]
    decisions = list(Decision.objects.filter(user=attempt.user))
    assert {d.kind for d in decisions} == {Decision.QUESTION, Decision.MODULE}
    for decision in decisions:
        stored += [*_numbers(decision.candidates), *_numbers(decision.mastery), *_numbers(decision.reason_params)]
    assert all(math.isfinite(value) for value in stored), stored
    question_decisions = [d for d in decisions if d.kind == Decision.QUESTION]
    assert all(d.reason_code == "question_in_order" and d.model_version is None for d in question_decisions)
    assert "not a finite number" in caplog.text

    caplog.clear()
    shown = recommended_module(UserFactory().pk, module.course)  # from the prior: NaN again
    assert shown.module_id == module.pk and shown.model_version is None, "the course's order"
    assert all(math.isfinite(v) for v in [*_numbers(shown.mastery), *_numbers(shown.candidates),
                                          *_numbers(shown.reason_params)])
    assert "not a finite number" in caplog.text

    caplog.clear()
    course_content_refresh(course_id=module.course_id)
    stats = QuestionStats.objects.filter(question__in=questions)
    assert stats.count() == 2 and all(s.model_difficulty is None for s in stats), "no difficulty from NaN"
    assert "not a finite number" in caplog.text
    caplog.clear()
    check = model_health_check()
    assert check is not None and check.responses == 2
    check = ModelHealthCheck.objects.get(pk=check.pk)
    assert all(math.isfinite(v) for v in _numbers(check.calibration))
    assert check.live_auc is None or math.isfinite(check.live_auc)
    assert "not a finite number" in caplog.text
