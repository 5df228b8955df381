"""skill_elo's promises, for any parameters: monotone in the evidence, mastery within about eight
right answers from cold start, a new skill from its own prior, finite, fast, and checkpoints that
load across versions. Seeded random sweeps stand in for property-based tests."""

from __future__ import annotations

import dataclasses
import math
import random
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from adaptive.core.data import ResponseLog
from adaptive.core.learners import ItemInfo, create, load
from adaptive.core.learners.skill_elo import SkillEloConfig, SkillEloModel, answers_to_mastery, with_mastery_reach

KINDS = ("true_false", "single_choice", "multiple_choice", "numeric", "short_text", "")


def random_config(rng: random.Random) -> SkillEloConfig:
    return SkillEloConfig(
        prior_mean=rng.uniform(-3, 3), prior_var=rng.uniform(0.01, 5), drift=rng.uniform(0, 1),
        practice_gain=rng.uniform(0, 0.5), difficulty_step=rng.uniform(0, 2), guess=rng.uniform(0, 0.49),
        slip=rng.uniform(0, 0.49), guess_by_kind={k: rng.uniform(0, 0.49) for k in KINDS[:3]},
        prior_difficulty_weight=rng.uniform(-1, 1), prior_prerequisite_weight=rng.uniform(-1, 1), search=False,
    )


def random_model(rng: random.Random) -> SkillEloModel:
    model = SkillEloModel(random_config(rng))
    catalogue = {f"q{i}": ItemInfo(tuple(rng.sample("abcde", rng.randint(1, 3))), float(rng.randint(1, 5)),
                                   rng.choice(KINDS)) for i in range(10)}
    model.set_catalogue(catalogue, {"b": ("a",), "c": ("a", "b"), "e": ("d",)})
    model.skill_offset = {s: rng.uniform(-2, 2) for s in "abc"}
    model.item_offset = {f"q{i}": rng.uniform(-2, 2) for i in range(5)}
    return model


def random_history(model: SkillEloModel, rng: random.Random, length: int) -> dict[str, np.ndarray]:
    state = model.init_state()
    for n in range(length):
        state = model.update(state, f"q{rng.randrange(12)}", rng.random() < 0.5, at=1000.0 * n)
    return state


def test_it_never_lowers_mastery_after_a_right_answer_nor_raises_it_after_a_wrong_one() -> None:
    rng = random.Random(1)
    for _ in range(300):
        model = random_model(rng)
        state = random_history(model, rng, rng.randint(0, 30))
        item = f"q{rng.randrange(12)}"
        info = None if rng.random() < 0.3 else ItemInfo(tuple(rng.sample("abcdefg", rng.randint(1, 3))),
                                                        rng.choice([None, 1.0, 3.0, 5.0]), rng.choice(KINDS))
        skills = model._skills_of(item, None, info)
        before = [model.mastery(state, s) for s in skills]
        right = [model.mastery(model.update(state, item, 1, info=info), s) for s in skills]
        wrong = [model.mastery(model.update(state, item, 0, info=info), s) for s in skills]
        for b, r, w in zip(before, right, wrong):
            assert r >= b - 1e-12 and w <= b + 1e-12


def test_it_reaches_mastery_within_eight_right_answers_from_cold_start() -> None:
    assert answers_to_mastery(SkillEloConfig()) <= 8
    rng = random.Random(2)
    for _ in range(100):
        config = with_mastery_reach(dataclasses.replace(random_config(rng), guess_by_kind={}, slip=rng.uniform(0, 0.3)))
        assert answers_to_mastery(config) <= 8
        model = SkillEloModel(config)
        state = model.init_state()
        for _ in range(8):
            state = model.update(state, "new-question", 1, info=ItemInfo(("fresh",), 3.0))
        assert model.mastery(state, "fresh") >= 0.85


def test_it_starts_a_never_seen_skill_from_its_own_prior() -> None:
    rng = random.Random(3)
    for _ in range(100):
        model = random_model(rng)
        model.set_catalogue({"z1": ItemInfo(("z",), 5.0), "z2": ItemInfo(("z",), 4.0)}, {"z": ("a", "b")})
        cfg = model.config
        expected = cfg.prior_mean + cfg.prior_difficulty_weight * 1.5 + cfg.prior_prerequisite_weight * 2
        assert model.skill_prior("z") == pytest.approx(expected)
        fresh = model.mastery(model.init_state(), "z")
        assert model.mastery(random_history(model, rng, 40), "z") == fresh  # others' answers change nothing
        assert fresh == pytest.approx(cfg.guess + (1 - cfg.guess - cfg.slip) / (1 + math.exp(-expected)))


def test_it_keeps_every_output_finite_and_inside_the_floor_and_ceiling() -> None:
    rng = random.Random(4)
    for _ in range(50):
        model = random_model(rng)
        state = model.init_state()
        streak = int(rng.random() < 0.5)
        for n in range(300):
            state = model.update(state, f"q{n % 12}", streak, at=float(n))
        items = [f"q{i}" for i in range(12)]
        p = model.predict(state, items)
        floors = [model.config.floor(model._kind_of(i, None)) for i in items]
        assert np.all(np.isfinite(p))
        assert np.all(p >= np.array(floors) - 1e-12) and np.all(p <= 1 - model.config.slip + 1e-12)
        assert np.all(np.isfinite(model.predict_skills(state, list("abcdez"))))


def test_it_updates_and_predicts_well_under_a_millisecond() -> None:
    model = random_model(random.Random(5))
    state = model.init_state()
    info = ItemInfo(("a", "b"), 4.0, "numeric")
    started = time.perf_counter()
    for n in range(500):
        state = model.update(state, "q1", n % 3 > 0, at=float(n), info=info)
        model.predict(state, ["q1"], at=float(n), infos=[info])
    assert (time.perf_counter() - started) / 500 < 1e-3


def test_it_uses_the_type_floor_and_the_slip_ceiling() -> None:
    model = SkillEloModel(SkillEloConfig(guess_by_kind={"true_false": 0.4}, slip=0.1))
    state = model.init_state()
    low, high = ItemInfo(("a",), 3.0, "true_false"), ItemInfo(("a",), 3.0, "numeric")
    assert model.predict(state, ["q", "r"], infos=[low, high])[0] > model.predict(state, ["q", "r"], infos=[low, high])[1]
    for _ in range(200):
        state = model.update(state, "r", 1, info=high)
    assert 0.85 < model.predict(state, ["r"], infos=[high])[0] < 0.9


def _small_log() -> ResponseLog:
    rng = random.Random(6)
    questions = [rng.randrange(8) for _ in range(300)]
    return ResponseLog.from_records((f"l{n // 10}", f"q{q}", f"s{q % 3}", rng.random() < 0.6, None)
                                    for n, q in enumerate(questions))


def test_it_round_trips_a_checkpoint_with_the_author_features(tmp_path: Path) -> None:
    model = create("skill_elo", search=False, slip=0.05, guess_by_kind={"true_false": 0.3},
                   prior_difficulty_weight=-0.2, prior_prerequisite_weight=-0.1)
    assert isinstance(model, SkillEloModel)
    model.set_catalogue({f"q{i}": ItemInfo((f"s{i % 3}",), float(1 + i % 5), "true_false" if i % 2 else "numeric")
                         for i in range(8)}, {"s1": ("s0",), "s2": ("s0", "s1")})
    log = _small_log()
    model.fit(log)
    loaded = load(model.save(tmp_path / "m.pt"))
    assert isinstance(loaded, SkillEloModel)
    assert loaded.config == model.config
    assert loaded.skill_features == {k: v for k, v in model.skill_features.items() if k in loaded.skill_vocab.tokens}
    assert loaded.catalogue["q1"].kind == "true_false"
    np.testing.assert_allclose(loaded.predict_sequences(log), model.predict_sequences(log), atol=1e-12)


def test_it_loads_a_checkpoint_saved_before_the_author_features(tmp_path: Path) -> None:
    model = create("skill_elo").fit(_small_log())
    path = model.save(tmp_path / "m.pt")
    checkpoint = torch.load(path, weights_only=True)
    for name in ("slip", "guess_by_kind", "prior_difficulty_weight", "prior_prerequisite_weight"):
        del checkpoint["config"][name]
    for name in ("item_kind", "skill_mean_difficulty", "skill_prerequisites"):
        del checkpoint["weights"][name]
    torch.save(checkpoint, path)
    loaded = load(path)
    assert loaded.config == model.config
    np.testing.assert_allclose(loaded.predict_sequences(_small_log()), model.predict_sequences(_small_log()))


def test_it_refuses_parameters_that_would_break_the_invariants() -> None:
    for bad in ({"slip": 0.6}, {"slip": -0.1}, {"guess_by_kind": {"true_false": 0.7}}, {"prior_var": 0.0},
                {"prior_difficulty_weight": math.nan}, {"practice_gain": -0.1}):
        with pytest.raises(ValueError, match=f"^{next(iter(bad))}"):  # the parameter that breaks them is named
            SkillEloConfig(**bad)  # type: ignore[arg-type]
