"""Simulated learners with known item difficulties, for tests and demonstrations.

Each learner has an ability drawn from N(0, 1) and gets better at a skill with practice, so a good
learner model must both rank items by difficulty and adapt to the learner as answers arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from adaptive.core.data import ResponseLog


@dataclass
class SimulatedLearners:
    log: ResponseLog
    #: True difficulty of each item, indexed by the item's raw id (0..n_items-1).
    difficulty: np.ndarray
    ability: np.ndarray


def simulate_learners(n_learners: int = 200, n_items: int = 30, n_skills: int = 5, min_length: int = 10,
                      max_length: int = 60, learning_rate: float = 0.4, seed: int = 0) -> SimulatedLearners:
    """Learners answering items in short same-skill runs, as in skill-builder practice.

    P(correct) = sigmoid(ability + learning_rate * log(1 + practice on the skill) - difficulty).
    Raw item ids are 0..n_items-1 and item i belongs to skill ``i % n_skills``.
    """
    rng = np.random.default_rng(seed)
    difficulty = np.linspace(-2.0, 2.0, n_items)[rng.permutation(n_items)]
    item_skill = np.arange(n_items) % n_skills
    ability = rng.normal(0.0, 1.0, n_learners)
    records = []
    for learner in range(n_learners):
        length = int(rng.integers(min_length, max_length + 1))
        practice = np.zeros(n_skills)
        skill = int(rng.integers(n_skills))
        for t in range(length):
            if rng.random() < 0.3:
                skill = int(rng.integers(n_skills))
            item = int(rng.choice(np.flatnonzero(item_skill == skill)))
            logit = ability[learner] + learning_rate * np.log1p(practice[skill]) - difficulty[item]
            correct = int(rng.random() < 1.0 / (1.0 + np.exp(-logit)))
            practice[skill] += 1
            records.append((learner, item, int(skill), correct, float(t)))
    return SimulatedLearners(ResponseLog.from_records(records), difficulty, ability)


def write_three_line(log: ResponseLog, path: str | Path) -> Path:
    """Write ``log`` in the three-lines-per-learner format (raw item ids), with trailing commas."""
    path = Path(path)
    lines = []
    for seq in log.sequences():
        raw = log.item_vocab.decode(log.item[seq])
        lines += [f"{len(raw)}", ",".join(raw) + ",", ",".join(str(int(c)) for c in log.correct[seq]) + ","]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
