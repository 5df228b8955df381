"""The invariants every served learner model must hold, on hand-built courses."""

from __future__ import annotations

import math

import numpy as np

from adaptive.core.invariants import REACH_WITHIN, CourseSpec, check_invariants
from adaptive.core.learners import ItemInfo, SkillEloModel, create

COURSE = CourseSpec("tiny", {
    "a1": ItemInfo(("a",), 1.0), "a2": ItemInfo(("a",), 3.0), "a3": ItemInfo(("a",), 5.0),
    "b1": ItemInfo(("b",), 2.0), "ab": ItemInfo(("a", "b"), 3.0, "single_choice"),
})


def test_the_fallback_holds_every_invariant() -> None:
    report = check_invariants(SkillEloModel(), [COURSE])
    assert report.passed, report.failures
    assert report.counts["checks"] > 50 and report.counts["skills"] == 2


class _NaN(SkillEloModel):
    def predict_skills(self, state, skills, at=None):  # type: ignore[no-untyped-def]
        return np.full(len(skills), math.nan)


class _Backwards(SkillEloModel):
    """Takes a right answer as evidence against the skill."""

    def update(self, state, item, correct, skill=None, at=None, *, info=None):  # type: ignore[no-untyped-def]
        return super().update(state, item, not correct, skill, at, info=info)


class _SharedUnknown(SkillEloModel):
    """Every skill reads one shared slot, as a model with one 'unknown skill' embedding does."""

    def _belief(self, state, skill, at):  # type: ignore[no-untyped-def]
        return super()._belief(state, "shared", at)

    def update(self, state, item, correct, skill=None, at=None, *, info=None):  # type: ignore[no-untyped-def]
        return super().update(state, item, correct, "shared", at)


def test_nan_mastery_is_refused() -> None:
    report = check_invariants(_NaN(), [COURSE])
    assert not report.passed and report.counts["failed_finite"] >= 1
    assert "not a finite number" in report.summary()


def test_a_model_that_lowers_mastery_after_a_right_answer_is_refused() -> None:
    report = check_invariants(_Backwards(), [COURSE])
    assert report.counts["failed_monotone"] > 0
    assert any("a right answer to a1 lowers a" in f for f in report.failures)


def test_an_unreachable_skill_is_refused_with_the_bound() -> None:
    stuck = create("skill_elo", prior_var=1e-4, drift=0.0, practice_gain=0.0)
    report = check_invariants(stuck, [COURSE])
    assert report.counts["failed_reachable"] == 2
    assert f"after {REACH_WITHIN} right answers in a row" in report.failures[0]


def test_a_shared_history_slot_for_unseen_skills_is_refused() -> None:
    report = check_invariants(_SharedUnknown(), [COURSE])
    assert any("takes another's history" in f for f in report.failures)


def test_every_skill_of_a_question_gets_the_evidence() -> None:
    model = SkillEloModel()
    state = model.update(model.init_state(), "ab", True, info=COURSE.items["ab"])
    before, after = model.predict_skills(model.init_state(), ["a", "b"]), model.predict_skills(state, ["a", "b"])
    assert np.all(after > before)


def test_the_authors_difficulty_orders_new_questions() -> None:
    model = SkillEloModel()
    p = model.predict(model.init_state(), ["a1", "a2", "a3"], infos=[COURSE.items[k] for k in ("a1", "a2", "a3")])
    assert p[0] > p[1] > p[2]
