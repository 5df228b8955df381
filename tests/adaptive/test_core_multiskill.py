"""Questions of several skills: every skill a question is tagged with carries the evidence of its
answers, in training, in replay (``predict_sequences``) and online (``update`` with ``ItemInfo``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from adaptive.core import MODEL_REGISTRY, LearnerModel, ResponseLog, create
from adaptive.core.data import read_csv, split_learners
from adaptive.core.learners import ItemInfo

TINY: dict[str, dict[str, Any]] = {
    "gru": {"hidden_size": 24, "embedding_size": 12, "max_epochs": 8, "batch_size": 16, "learning_rate": 1e-2},
    "gru_pfa": {"hidden_size": 24, "embedding_size": 12, "max_epochs": 8, "batch_size": 16, "learning_rate": 1e-2},
    "bayes_mirt": {"ability_size": 2, "max_epochs": 8, "batch_size": 32, "learning_rate": 3e-2},
}
SKILLS_OF = {"a1": ("A",), "a2": ("A",), "a3": ("A",), "b1": ("B",), "b2": ("B",), "b3": ("B",),
             "ab1": ("A", "B"), "ab2": ("A", "B")}
BOTH = ItemInfo(skills=("A", "B"))


def simulate(n_learners: int, seed: int) -> list[tuple[str, str, tuple[str, ...], int, float]]:
    """Learners with an ability on A and one on B; a question of both needs both."""
    rng = np.random.default_rng(seed)
    items = list(SKILLS_OF)
    records = []
    for learner in range(n_learners):
        ability = {"A": rng.normal(0, 1.5), "B": rng.normal(0, 1.5)}
        for t in range(24):
            item = items[rng.integers(len(items))]
            logit = np.mean([ability[s] for s in SKILLS_OF[item]])
            correct = int(rng.random() < 1 / (1 + np.exp(-logit)))
            records.append((f"l{learner}", item, SKILLS_OF[item], correct, float(t)))
    return records


@pytest.fixture(scope="module")
def log() -> ResponseLog:
    return ResponseLog.from_records(simulate(240, seed=3))


@pytest.fixture(scope="module")
def fitted(log: ResponseLog) -> dict[str, LearnerModel]:
    torch.set_num_threads(2)
    train, valid = split_learners(log, 0.2, seed=0)
    return {name: create(name, **TINY.get(name, {})).fit(train, valid, device="cpu", seed=0) for name in sorted(MODEL_REGISTRY)}


def test_it_keeps_every_skill_of_a_question() -> None:
    log = ResponseLog.from_records([("u", "ab", ["A", "B"], 1, 2.0), ("u", "a", "A", 0, 1.0), ("v", "b", ("B",), 1, None)])
    assert log.raw_skills() == ["A", "A", "B"]  # the main skill; u's answers sorted by time
    assert [log.skill_vocab.decode(log.skills_of(row)) for row in range(3)] == [["A"], ["A", "B"], ["B"]]
    expanded, scored = log.expand_skills()
    assert expanded.raw_items() == ["a", "ab", "ab", "b"] and expanded.raw_skills() == ["A", "A", "B", "B"]
    assert expanded.evidence_only.tolist() == [False, False, True, False] and scored.tolist() == [0, 1, 3]
    assert expanded.correct.tolist() == [0, 1, 1, 1] and not expanded.has_extra_skills
    only_u = log.subset_learners([0])
    assert [only_u.skill_vocab.decode(only_u.skills_of(row)) for row in range(2)] == [["A"], ["A", "B"]]


def test_it_reads_several_skills_from_a_csv_cell(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("learner,item,skill,correct\nu,q1,fractions;decimals,1\nu,q2,decimals,0\n", encoding="utf-8")
    log = read_csv(path)
    assert [log.skill_vocab.decode(log.skills_of(row)) for row in range(2)] == [["fractions", "decimals"], ["decimals"]]


def test_it_costs_nothing_when_every_question_has_one_skill() -> None:
    log = ResponseLog.from_records([("u", "q1", "A", 1), ("u", "q2", ["B"], 0)])
    expanded, scored = log.expand_skills()
    assert expanded is log and scored.tolist() == [0, 1] and not log.has_extra_skills


@pytest.mark.parametrize("name", sorted(MODEL_REGISTRY))
def test_it_moves_both_skills_online_in_the_direction_of_the_answer(fitted: dict, name: str) -> None:
    model = fitted[name]
    start = model.init_state()
    right = model.update(start, "ab1", 1, info=BOTH)
    wrong = model.update(start, "ab1", 0, info=BOTH)
    for item, skill in (("a1", "A"), ("b1", "B")):
        before, after_right, after_wrong = (float(model.predict(state, [item], [skill])[0]) for state in (start, right, wrong))
        assert after_right > before > after_wrong, (name, skill, after_right, before, after_wrong)
        mastery = [model.predict_skill(state, skill) for state in (start, right, wrong)]
        assert mastery[1] > mastery[0] > mastery[2], (name, skill, mastery)


@pytest.mark.parametrize("name", sorted(MODEL_REGISTRY))
def test_it_traces_both_skills_in_replay_and_replay_equals_the_online_path(fitted: dict, name: str) -> None:
    model = fitted[name]
    records = [("r1", "ab1", SKILLS_OF["ab1"], 1, 0.0), ("r1", "b1", SKILLS_OF["b1"], 1, 1.0),
               ("w1", "ab1", SKILLS_OF["ab1"], 0, 0.0), ("w1", "b1", SKILLS_OF["b1"], 1, 1.0),
               ("r2", "ab2", SKILLS_OF["ab2"], 1, 0.0), ("r2", "a2", SKILLS_OF["a2"], 0, 1.0), ("r2", "ab1", SKILLS_OF["ab1"], 1, 2.0),
               ("w2", "ab2", SKILLS_OF["ab2"], 0, 0.0), ("w2", "a2", SKILLS_OF["a2"], 0, 1.0), ("w2", "ab1", SKILLS_OF["ab1"], 1, 2.0)]
    probe = ResponseLog.from_records(records)
    replayed = model.predict_sequences(probe)
    by_learner = {}
    for learner in ("r1", "w1", "r2", "w2"):
        state, predictions = model.init_state(), []
        for who, item, skills, correct, at in records:
            if who != learner:
                continue
            predictions.append(float(model.predict(state, [item], at=at, infos=[ItemInfo(skills=skills)])[0]))
            state = model.update(state, item, correct, at=at, info=ItemInfo(skills=skills))
        by_learner[learner] = predictions
    learners = probe.learner_vocab.decode(probe.learner)
    online = [by_learner[learner].pop(0) for learner in learners]
    np.testing.assert_allclose(replayed, online, rtol=1e-5, atol=1e-6)
    second = {learner: p for learner, p, n in zip(learners, replayed, probe.positions()) if n == 1}
    # The evidence of the two-skill question reached B (and A), the skills of the next question.
    assert second["r1"] > second["w1"], (name, second)
    third = {learner: p for learner, p, n in zip(learners, replayed, probe.positions()) if n == 2}
    assert third["r2"] > third["w2"], (name, third)
