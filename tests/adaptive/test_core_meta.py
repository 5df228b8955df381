"""The meta-learned prior: the torch replica agrees with the online model, the meta-trainer and the
fast adaptation run on tiny tasks in seconds, and what they return keeps skill_elo's promises."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from adaptive.core import meta
from adaptive.core.data import ResponseLog
from adaptive.core.learners import ItemInfo, load
from adaptive.core.learners.skill_elo import SkillEloConfig, SkillEloModel, answers_to_mastery


def tiny_task(seed: int, learners: int = 12, skills: str = "abcd") -> meta.Task:
    rng = random.Random(seed)
    catalogue = {}
    for i in range(12):
        tagged = tuple(rng.sample(skills, rng.choice([1, 1, 2])))
        catalogue[f"t{seed}-q{i}"] = ItemInfo(tuple(f"t{seed}-{s}" for s in tagged),
                                              float(rng.randint(1, 5)) if i % 5 else None,
                                              rng.choice([*meta.KINDS, ""]))
    ability = {f"l{n}": rng.gauss(0, 1) for n in range(learners)}
    records = []
    for learner, a in ability.items():
        for t in range(rng.randint(3, 25)):
            q = f"t{seed}-q{rng.randrange(12)}"
            chance = 1 / (1 + np.exp(-(a + 0.2 * t - 0.5 * ((catalogue[q].difficulty or 3) - 3))))
            records.append((learner, q, catalogue[q].skills[0], rng.random() < chance, float(t)))
    prerequisites = {f"t{seed}-b": (f"t{seed}-a",), f"t{seed}-c": (f"t{seed}-a", f"t{seed}-b")}
    return meta.Task(f"tiny{seed}", ResponseLog.from_records(records), catalogue, prerequisites)


def test_the_torch_replica_agrees_with_the_online_model() -> None:
    task = tiny_task(0)
    config = SkillEloConfig(prior_mean=0.3, prior_var=0.7, drift=0.05, practice_gain=0.1, difficulty_step=0.6,
                            guess=0.1, slip=0.08, guess_by_kind={"true_false": 0.4, "numeric": 0.01},
                            prior_difficulty_weight=-0.3, prior_prerequisite_weight=-0.2, search=False)
    model = meta.model_for(task, SkillEloModel(config)).fit_offsets(task.log)
    expected = model.predict_sequences(task.log)
    batch = meta.make_batch(model, task.log, window=1000)
    item_offset, skill_offset = meta.offsets_as_tensors(model, task.log, batch)
    got = meta.sequence_probabilities(meta.exact_values(config), batch, item_offset, skill_offset)
    bounds = task.log.learner_bounds()
    flat = np.concatenate([got[n, : bounds[n + 1] - bounds[n]].numpy() for n in range(len(bounds) - 1)])
    np.testing.assert_allclose(flat, expected, atol=1e-6)


def test_the_parameter_vector_round_trips_and_keeps_the_constraints() -> None:
    config = SkillEloConfig(prior_mean=-0.4, prior_var=0.6, drift=0.2, practice_gain=0.3, difficulty_step=0.7,
                            guess=0.15, slip=0.1, guess_by_kind=dict.fromkeys(meta.KINDS, 0.2),
                            prior_difficulty_weight=0.1, prior_prerequisite_weight=-0.3)
    back = meta.vector_to_config(meta.config_to_vector(config), config)
    for name in ("prior_mean", "prior_var", "drift", "practice_gain", "difficulty_step", "guess", "slip"):
        assert getattr(back, name) == pytest.approx(getattr(config, name), abs=1e-6)
    torch.manual_seed(0)
    for _ in range(50):  # any vector at all gives a valid configuration that reaches mastery
        vector = torch.randn(len(meta.PARAMETERS), dtype=torch.float64) * 5
        made = meta.vector_to_config(vector, SkillEloConfig())
        assert answers_to_mastery(made) <= 8


def test_adapt_with_no_answers_is_the_initialisation_reading_the_author() -> None:
    task = tiny_task(1)
    init = SkillEloModel(SkillEloConfig(prior_difficulty_weight=-0.5, search=False))
    empty = task.log.subset_learners([])
    adapted = meta.adapt(init, empty, task.catalogue, prerequisites=task.prerequisites)
    assert adapted.config == init.config and not adapted.skill_offset
    skill = "t1-a"
    mean = np.mean([i.difficulty for i in task.catalogue.values() if skill in i.skills and i.difficulty])
    assert adapted.skill_prior(skill) == pytest.approx(-0.5 * (mean - 3))
    assert init.catalogue == {}  # the shipped initialisation is left alone


def test_adapt_fits_a_course_and_keeps_the_invariants() -> None:
    task = tiny_task(2, learners=30)
    init = SkillEloModel(SkillEloConfig(search=False))
    adapted = meta.adapt(init, task.log, task.catalogue, steps=10, prerequisites=task.prerequisites)
    assert adapted.config != init.config and adapted.skill_offset
    assert answers_to_mastery(adapted.config) <= 8
    p = adapted.predict_sequences(task.log)
    assert np.all(np.isfinite(p))
    state = adapted.init_state()
    before = adapted.mastery(state, "t2-a")
    assert adapted.mastery(adapted.update(state, "t2-q0", 1, info=task.catalogue["t2-q0"]), "t2-a") >= before


def test_meta_train_on_tiny_tasks_is_reproducible_and_loads(tmp_path: Path) -> None:
    tasks = [tiny_task(3), tiny_task(4), tiny_task(5)]
    settings = meta.MetaConfig(outer_steps=4, inner_steps=2, learners_per_step=8, window=20,
                               support_answers=(0, 30))
    first = meta.meta_train(tasks, config=settings, seed=7)
    second = meta.meta_train(tasks, config=settings, seed=7)
    assert first.config == second.config
    assert answers_to_mastery(first.config) <= 8
    loaded = load(first.save(tmp_path / "prior.pt"))
    assert loaded.name == "skill_elo" and loaded.config == first.config
    state = loaded.update(loaded.init_state(), "new", 1, info=ItemInfo(("new-skill",), 2.0, "numeric"))
    assert np.isfinite(loaded.predict(state, ["new"], infos=[ItemInfo(("new-skill",), 2.0, "numeric")])).all()
