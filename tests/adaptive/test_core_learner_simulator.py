from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from adaptive.core.learner_simulator import SimulatedLearner, SimulatorParams

MONDAY = datetime(2026, 1, 5, 9, tzinfo=UTC)


def learner() -> SimulatedLearner:
    return SimulatedLearner("sim", {"a": 0.9, "b": 0.5}, 0.2, SimulatorParams())


def test_it_reads_knowledge_at_a_later_time_without_changing_it() -> None:
    sim = learner()
    sim.practise("a", MONDAY)
    stored = sim.knowledge["a"]
    later = sim.knowledge_at("a", MONDAY + timedelta(days=10))
    assert later < stored
    assert sim.knowledge["a"] == stored
    assert sim.last_seen["a"] == MONDAY


def test_it_forgets_the_same_whether_read_now_or_applied_on_the_next_answer() -> None:
    sim = learner()
    sim.practise("a", MONDAY)
    later = MONDAY + timedelta(days=7)
    predicted = sim.p_correct(["a"], 3, now=later)
    sim._decay("a", later)
    assert sim.p_correct(["a"], 3) == predicted


def test_it_counts_forgetting_in_the_chance_of_success_only_when_given_a_time() -> None:
    sim = learner()
    sim.answer(["a"], 3, MONDAY, random.Random(0))
    now = sim.p_correct(["a"], 3, now=MONDAY)
    assert sim.p_correct(["a"], 3) == now
    assert sim.p_correct(["a"], 3, now=MONDAY + timedelta(days=30)) < now


def test_it_keeps_a_skill_never_seen_as_it_started() -> None:
    sim = learner()
    assert sim.knowledge_at("b", MONDAY + timedelta(days=100)) == 0.5
