"""The meta-learned models' priors and belief updates, beyond what every model must do."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from adaptive.core import create, load, split_learners
from adaptive.core.learners.neural import first_response_logits
from adaptive.core.simulate import SimulatedLearners, simulate_learners

TINY = {
    "gru_pfa": {"hidden_size": 16, "embedding_size": 8, "max_epochs": 2, "batch_size": 16},
    "bayes_mirt": {"ability_size": 3, "max_epochs": 2, "batch_size": 32},
}


@pytest.fixture(scope="module")
def simulated() -> SimulatedLearners:
    return simulate_learners(n_learners=80, n_items=20, n_skills=4, seed=3)


@pytest.fixture(scope="module")
def fitted(simulated: SimulatedLearners) -> dict:
    torch.set_num_threads(2)
    train, valid = split_learners(simulated.log, 0.2, seed=0)
    return {name: create(name, **options).fit(train, valid, device="cpu", seed=0) for name, options in TINY.items()}


def test_first_response_prior_shrinks_the_observed_rates_towards_the_centre() -> None:
    # Item 0: first for 40 learners, 36 right; item 1: first for 40, 4 right; item 2: once, right;
    # item 3 never first. The last slot is the unknown item.
    items = np.r_[np.zeros(40), np.ones(40), 2, 3, 3].astype(np.int64)
    position = np.r_[np.zeros(81), 1, 2].astype(np.int64)
    correct = np.r_[np.arange(40) < 36, np.arange(40) < 4, 1, 0, 0].astype(np.int8)
    logits = first_response_logits(items, position, correct, np.zeros(5))
    rate = 1 / (1 + np.exp(-logits))
    assert rate[0] > rate[2] > rate[3] > rate[1]
    assert 0.5 < rate[0] < 0.9 and 0.1 < rate[1] < 0.5  # pulled towards the middle, not past it
    assert rate[3] == pytest.approx(rate[4])  # never answered first: the centre, like an unknown item


def test_first_response_prior_keeps_the_centres_order_where_there_is_no_evidence() -> None:
    items = np.array([0, 1, 0, 1], dtype=np.int64)
    position = np.array([0, 0, 0, 0], dtype=np.int64)
    correct = np.array([1, 0, 0, 1], dtype=np.int8)
    logits = first_response_logits(items, position, correct, np.array([0.0, 0.0, 2.0, -2.0, 0.0]))
    assert logits[2] > logits[4] > logits[3]


def test_the_gru_pfa_predicts_a_new_learner_from_its_cold_start_prior(fitted: dict) -> None:
    model = fitted["gru_pfa"]
    table = torch.sigmoid(model.module.cold_start_logit).numpy()
    items = model.item_vocab.tokens[:5]
    np.testing.assert_allclose(model.predict(model.init_state(), items), table[:5], rtol=1e-6)
    after = model.update(model.init_state(), items[0], True)
    assert not np.allclose(model.predict(after, items), table[:5])


def test_the_bayes_mirt_belief_stays_a_proper_gaussian_over_long_sequences(fitted: dict, simulated: SimulatedLearners) -> None:
    model = fitted["bayes_mirt"]
    state = model.init_state()
    first_variance = np.trace(state["ability_covariance"])
    rng = np.random.default_rng(0)
    for item in rng.choice(model.item_vocab.tokens, size=300):
        state = model.update(state, item, bool(rng.random() < 0.6))
    covariance = state["ability_covariance"]
    np.testing.assert_allclose(covariance, covariance.T, atol=1e-5)
    assert np.linalg.eigvalsh(covariance).min() > 0
    assert np.trace(covariance) < first_variance and np.all(state["offset_variance"] > 0)
    assert np.all(np.isfinite(model.predict(state, model.item_vocab.tokens)))


@pytest.mark.parametrize(("name", "option", "weight"), [("gru_pfa", "cold_start_prior", "cold_start_logit"),
                                                        ("bayes_mirt", "moment_matching", "raw_drift")])
def test_checkpoints_from_before_an_option_existed_still_load(fitted: dict, name: str, option: str, weight: str,
                                                             tmp_path: Path) -> None:
    path = fitted[name].save(tmp_path / f"{name}.pt")
    checkpoint = torch.load(path, weights_only=True)
    del checkpoint["config"][option], checkpoint["weights"][weight]
    torch.save(checkpoint, path)
    loaded = load(path)
    assert getattr(loaded.config, option) is False
    state = loaded.update(loaded.init_state(), loaded.item_vocab.tokens[0], True)
    assert np.all(np.isfinite(loaded.predict(state, loaded.item_vocab.tokens)))


def _forgetting_learners(n_learners: int, seed: int) -> list[tuple[int, str, str, int, float]]:
    """Learners whose chance of success falls with the days since they last practised the skill."""
    rng = np.random.default_rng(seed)
    records = []
    for learner in range(n_learners):
        ability, clock = rng.normal(0, 0.5), 0.0
        practice, last = np.zeros(3), np.full(3, np.nan)
        for _ in range(40):
            clock += rng.choice([60.0, 20 * 86400.0], p=[0.7, 0.3])  # a minute, or three weeks away
            skill = int(rng.integers(3))
            away = 0.0 if np.isnan(last[skill]) else (clock - last[skill]) / 86400
            logit = ability + 0.8 * np.log1p(practice[skill]) - 1.2 * np.log1p(away)
            correct = int(rng.random() < 1 / (1 + np.exp(-logit)))
            records.append((learner, f"{skill}-{int(rng.integers(4))}", str(skill), correct, clock))
            practice[skill] += 1
            last[skill] = clock
    return records


def test_the_gru_pfa_predicts_forgetting_from_the_days_away() -> None:
    from adaptive.core import ResponseLog

    torch.set_num_threads(2)
    log = ResponseLog.from_records(_forgetting_learners(150, seed=5))
    train, valid = split_learners(log, 0.2, seed=0)
    model = create("gru_pfa", **{**TINY["gru_pfa"], "max_epochs": 4}).fit(train, valid, device="cpu", seed=0)
    assert model.uses_time
    state, clock = model.init_state(), 1_000_000.0
    for step in range(8):
        state = model.update(state, f"0-{step % 4}", True, "0", at=clock + 60 * step)
    items = [f"0-{i}" for i in range(4)]
    soon = model.predict(state, items, at=clock + 600).mean()
    later = model.predict(state, items, at=clock + 30 * 86400).mean()
    assert later < soon - 0.05, (soon, later)
    # Without times, nothing is forgotten.
    np.testing.assert_allclose(model.predict(state, items), model.predict(state, items, at=clock + 60 * 7))


def test_a_gru_pfa_saved_before_it_saw_elapsed_time_still_loads(simulated: SimulatedLearners, tmp_path: Path) -> None:
    train, valid = split_learners(simulated.log, 0.2, seed=0)
    old = create("gru_pfa", **TINY["gru_pfa"], elapsed_time=False).fit(train, valid, device="cpu", seed=0)
    path = old.save(tmp_path / "gru_pfa.pt")
    checkpoint = torch.load(path, weights_only=True)
    del checkpoint["config"]["elapsed_time"]
    torch.save(checkpoint, path)
    loaded = load(path)
    assert loaded.config.elapsed_time is False and not loaded.uses_time
    np.testing.assert_array_equal(loaded.predict_sequences(valid), old.predict_sequences(valid))
