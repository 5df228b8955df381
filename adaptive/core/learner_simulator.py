"""A learner simulator, independent of the learner model and with its own parameters.

Each simulated learner has hidden knowledge per skill (the probability of knowing it) that grows
with practice (more slowly while prerequisites are weak), decays with idle time, and is read through
slips and guesses; a question's author-set difficulty makes knowledge harder to apply. Nothing here
looks at the model's predictions. Plain Python, so benchmarks can run it without a database.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class SimulatorParams:
    """Population parameters of the simulated learners (not the learner model's)."""

    prior_mean: float = 0.25  # how much of a skill a learner knows before practising it
    prior_spread: float = 0.15
    learn_rate_mean: float = 0.22  # share of the remaining gap closed by one practice opportunity
    learn_rate_spread: float = 0.08
    reading_boost: float = 0.10  # reading the module teaches a little before any question
    prerequisite_drag: float = 0.5  # unmastered prerequisites slow learning down by up to this share
    decay_per_day: float = 0.03  # forgetting: share of knowledge lost per idle day, before any practice
    stability_gain: float = 0.3  # each practice makes the memory more stable (forgetting slows down)
    slip: float = 0.1
    guess: float = 0.2
    difficulty_weight: float = 0.6  # how much a hard question (5) lowers the chance of applying knowledge


@dataclass
class SimulatedLearner:
    name: str
    knowledge: dict[str, float]
    learn_rate: float
    params: SimulatorParams
    prerequisites: dict[str, tuple[str, ...]] = field(default_factory=dict)
    last_seen: dict[str, datetime] = field(default_factory=dict)
    practice: dict[str, int] = field(default_factory=dict)

    @classmethod
    def sample(cls, name: str, skills: Iterable[str], prerequisites: dict[str, tuple[str, ...]],
               rng: random.Random, params: SimulatorParams | None = None) -> SimulatedLearner:
        p = params or SimulatorParams()
        ability = rng.gauss(0, 1)  # a general aptitude shared by all skills
        knowledge = {
            s: min(0.95, max(0.01, p.prior_mean + p.prior_spread * (0.6 * ability + 0.8 * rng.gauss(0, 1))))
            for s in skills
        }
        rate = min(0.6, max(0.03, p.learn_rate_mean + p.learn_rate_spread * (0.6 * ability + 0.8 * rng.gauss(0, 1))))
        return cls(name, knowledge, rate, p, prerequisites)

    def knowledge_at(self, skill: str, now: datetime) -> float:
        """Knowledge of ``skill`` at ``now``, forgetting since it was last seen included; changes nothing.

        ``knowledge`` itself is only brought up to date when a skill is practised or read, so reading
        it directly overstates what a learner still knows of a skill they have not touched for days.
        """
        known = self.knowledge.get(skill, 0.0)
        last = self.last_seen.get(skill)
        if last is None:
            return known
        days = max(0.0, (now - last).total_seconds() / 86400)
        rate = self.params.decay_per_day / (1 + self.params.stability_gain * self.practice.get(skill, 0))
        remaining: float = (1 - rate) ** days
        return known * remaining

    def _decay(self, skill: str, now: datetime) -> None:
        if skill in self.last_seen:
            self.knowledge[skill] = self.knowledge_at(skill, now)
        self.last_seen[skill] = now

    def p_correct(self, skills: Sequence[str], difficulty: int, now: datetime | None = None) -> float:
        """The chance of a correct answer; at ``now`` (forgetting included) when given, else as last updated."""
        def level(s: str) -> float:
            return self.knowledge_at(s, now) if now is not None else self.knowledge.get(s, 0.0)

        known = math.prod(level(s) for s in skills) if skills else 0.5
        apply = known * (1 - self.params.difficulty_weight * (difficulty - 1) / 4 * (1 - known))
        return self.params.guess * (1 - apply) + (1 - self.params.slip) * apply

    def answer(self, skills: Sequence[str], difficulty: int, now: datetime, rng: random.Random) -> bool:
        """Answer a question and learn from the attempt (and its feedback)."""
        for s in skills:
            self._decay(s, now)
        correct = rng.random() < self.p_correct(skills, difficulty)
        for s in skills:
            self.practise(s, now)
        return correct

    def practise(self, skill: str, now: datetime, strength: float = 1.0) -> None:
        prereqs = self.prerequisites.get(skill, ())
        readiness = 1.0
        if prereqs:
            readiness = 1 - self.params.prerequisite_drag * (1 - min(self.knowledge.get(p, 0.0) for p in prereqs))
        gain = self.learn_rate * readiness * strength
        self.knowledge[skill] += gain * (1 - self.knowledge[skill])
        self.last_seen[skill] = now
        self.practice[skill] = self.practice.get(skill, 0) + 1

    def read(self, skills: Sequence[str], now: datetime) -> None:
        for s in skills:
            self._decay(s, now)
            self.practise(s, now, strength=self.params.reading_boost / max(self.learn_rate, 1e-6))
