"""Reasons in the learner's words: every code the policy gives renders a plain sentence with no
statistics in it, and an unknown code falls back to the detailed reason."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from adaptive.core.policy import (
    Loop,
    ModuleCandidate,
    QuestionCandidate,
    choose_next_module,
    choose_next_question,
    move_on,
)
from adaptive.models import Decision
from adaptive.reasons import RENDERERS, learner_text

STATISTICS = re.compile(r"\d+%|predicted|chance|threshold|mastery", re.IGNORECASE)


def _modules(**completed: bool) -> list[ModuleCandidate]:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        ModuleCandidate("m1", "What is data?", 1, ("data",), (), completed.get("m1", False),
                        when if completed.get("m1") else None),
        ModuleCandidate("m2", "Reading tables", 2, ("tables",), ("data",), completed.get("m2", False),
                        when + timedelta(days=1) if completed.get("m2") else None),
    ]


def _decisions() -> list[object]:
    names = {"data": "Data", "tables": "Tables"}
    questions = [QuestionCandidate("q1", 0.55, ("tables",)), QuestionCandidate("q2", 0.9, ("tables",))]
    return [
        choose_next_question(questions, asked=[], module_mastery={"tables": 0.4}, skill_names=names),
        choose_next_question(questions, asked=["a"] * 6, module_mastery={"tables": 0.95}, skill_names=names),
        choose_next_question([], asked=["q1"], module_mastery={"tables": 0.4}, skill_names=names),
        choose_next_module(_modules(), mastery={"data": 0.9, "tables": 0.2}, skill_names=names),
        choose_next_module(_modules(m1=True, m2=True), mastery={"data": 0.9, "tables": 0.9}, skill_names=names,
                           practice={"data": 3, "tables": 9}),
        choose_next_module(_modules(m1=True), mastery={"data": 0.9, "tables": 0.9}, skill_names=names,
                           previously_mastered={"data"}) ,
        move_on(_modules(), Loop(("m1",), {"m1": 2}, {"m1": 0.0}), mastery={"data": 0.3}, skill_names=names),
    ]


def test_every_policy_decision_has_a_code_the_product_renders_without_statistics() -> None:
    for decision in _decisions():
        text = learner_text(decision.code, decision.params)
        assert decision.code in RENDERERS and text, decision
        assert not STATISTICS.search(text), text


@pytest.mark.parametrize(("predicted", "start"), [(0.9, "A quick one on Mean"), (0.6, "Practice on Mean"),
                                                  (0.3, "A stretch on Mean")])
def test_it_says_how_hard_a_question_is_in_words(predicted, start) -> None:
    assert learner_text("question_target", {"predicted": predicted, "skills": ["Mean"]}).startswith(start)


def test_it_joins_names_and_writes_dates_as_people_do() -> None:
    assert "Mean, Median and Mode" in learner_text("quiz_mastered", {"skills": ["Mean", "Median", "Mode"]})
    assert learner_text("assigned", {"module": "Spread", "due": "2026-12-11"}) == "Spread was assigned to you, due 11 December."
    # A module titled after its skill: the title is quoted, so the two do not run together.
    assert learner_text("learn", {"module": "Retrieval practice: learning by answering", "skill": "Retrieval practice",
                                  "level": 0.6}) == ("You're getting close on Retrieval practice. “Retrieval practice: "
                                                     "learning by answering” will help you lock it in.")
    # Not "getting close" on a skill the learner has not answered yet, whatever its prior.
    assert learner_text("learn", {"module": "What is data?", "skill": "Types of data", "level": 0.55,
                                  "answers": 0}) == "Next up: What is data?, a good place to build up Types of data."
    assert learner_text("learn", {"module": "Retrieval practice: learning by answering", "skill": "Retrieval practice",
                                  "level": 0.3}) == "Next up: Retrieval practice: learning by answering."


def test_an_unknown_code_or_bad_parameters_fall_back_to_the_detailed_reason() -> None:
    assert learner_text("from_a_future_version", {}) == ""
    decision = Decision(reason="Predicted 55% chance of success.", reason_code="from_a_future_version")
    assert decision.learner_reason == "Predicted 55% chance of success."
    assert Decision(reason="Detailed.", reason_code="question_target",
                    reason_params={"predicted": "n/a"}).learner_reason == "Detailed."
