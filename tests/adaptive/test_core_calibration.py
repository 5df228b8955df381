"""Calibration: a temperature fitted on the validation learners after early stopping, kept in the
checkpoint, applied to every prediction, and never fitted on (or changed by) the test learners."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from adaptive.benchmark import run
from adaptive.core import create, load, split_learners, train_model
from adaptive.core.learners.base import apply_temperature, fit_temperature
from adaptive.core.simulate import simulate_learners, write_three_line


def test_it_finds_the_temperature_of_overconfident_predictions() -> None:
    rng = np.random.default_rng(0)
    logit = rng.normal(0.0, 2.0, 20000)
    correct = (rng.random(len(logit)) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    overconfident = 1 / (1 + np.exp(-2.0 * logit))
    assert fit_temperature(correct, overconfident) == pytest.approx(2.0, rel=0.08)
    np.testing.assert_allclose(apply_temperature(overconfident, 2.0), 1 / (1 + np.exp(-logit)), rtol=1e-9)


def test_it_calibrates_on_the_validation_learners_and_keeps_it_in_the_checkpoint(tmp_path: Path) -> None:
    torch.set_num_threads(2)
    train, valid = split_learners(simulate_learners(n_learners=120, seed=5).log, 0.25, seed=0)
    model = train_model("gru", train, valid, device="cpu", seed=0, progress=False, checkpoint_path=tmp_path / "gru.pt",
                        hidden_size=16, embedding_size=8, max_epochs=3, batch_size=16)
    assert model.temperature != 1.0 and model.training_info["temperature"] == model.temperature
    assert model.training_info["valid"]["ece"] <= model.training_info["valid_ece_uncalibrated"] + 0.01
    again = load(tmp_path / "gru.pt")
    assert again.temperature == model.temperature
    np.testing.assert_allclose(again.predict_sequences(valid), model.predict_sequences(valid), rtol=1e-5)
    state = again.update(again.init_state(), train.item_vocab.tokens[0], 1)
    raw = again._predict(state, np.array([0]), np.array([again.item_skill[0]]))
    np.testing.assert_allclose(again.predict(state, [again.item_vocab.tokens[0]]), apply_temperature(raw, again.temperature),
                               rtol=1e-6)


def test_a_model_without_calibration_keeps_temperature_one() -> None:
    train, valid = split_learners(simulate_learners(n_learners=60, seed=5).log, 0.25, seed=0)
    model = create("skill_elo").fit(train, valid, device="cpu")
    assert model.calibrate(valid) == 1.0


def test_calibration_never_reads_the_test_learners(tmp_path: Path) -> None:
    log = simulate_learners(n_learners=150, seed=8).log
    train, rest = split_learners(log, 0.4, seed=0)
    test_a, test_b = split_learners(rest, 0.5, seed=1)
    train_path = write_three_line(train, tmp_path / "train.csv")
    results = []
    for name, test in (("a", test_a), ("b", test_b)):
        test_path = write_three_line(test, tmp_path / f"test_{name}.csv")
        results.append(run(["--train", str(train_path), "--test", str(test_path), "--models", "pfa,bkt,gru",
                            "--device", "cpu", "--max-epochs", "2", "--quiet", "--json", str(tmp_path / f"{name}.json")]))
    first, second = ({m["name"]: m for m in r["models"]} for r in results)
    for name in ("pfa", "bkt", "gru"):
        assert first[name]["temperature"] == second[name]["temperature"], name
        assert first[name]["valid_ece"] == second[name]["valid_ece"], name
        assert first[name]["auc"] != second[name]["auc"], name  # the test sets do differ
        for key in ("ece", "ece_uncalibrated", "valid_ece", "valid_ece_uncalibrated"):
            assert 0.0 <= first[name][key] <= 1.0, (name, key)
