"""Training entry point, metrics and the promotion rule."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from adaptive.core import compare, evaluate, load, split_learners, train_model
from adaptive.core.evaluate import calibration_bins, kshot_curve, prediction_metrics
from adaptive.core.learners.base import resolve_device
from adaptive.core.simulate import simulate_learners
from adaptive.core.train import metrics_path


def test_metrics_of_perfect_and_constant_predictions() -> None:
    correct = np.array([0, 1, 1, 0, 1])
    perfect = prediction_metrics(correct, correct * 0.98 + 0.01)
    assert perfect["auc"] == 1.0 and perfect["accuracy"] == 1.0 and perfect["rmse"] < 0.02
    constant = prediction_metrics(correct, np.full(5, 0.6))
    assert constant["auc"] == 0.5
    assert constant["ece"] == pytest.approx(0.0)
    ece, bins = calibration_bins(correct.astype(float), np.full(5, 0.9))
    assert ece == pytest.approx(0.3) and bins[0]["observed"] == pytest.approx(0.6) and bins[0]["count"] == 5


def test_kshot_curve_uses_each_learners_first_responses() -> None:
    log = simulate_learners(n_learners=60, min_length=25, max_length=30, seed=2).log
    predicted = np.where(log.positions() < 5, log.correct, 0.5)  # perfect on the first five only
    curve = kshot_curve(log, predicted.astype(float))
    assert set(curve) == {"1", "3", "5", "10", "20", "after20"}
    assert curve["1"] == curve["3"] == curve["5"] == 1.0
    assert 0.5 < curve["10"] < 1.0 and curve["after20"] == 0.5


def test_train_model_writes_a_checkpoint_and_metrics_json(tmp_path: Path) -> None:
    log = simulate_learners(n_learners=80, seed=3).log
    train, valid = split_learners(log, 0.2, seed=0)
    model = train_model("gru", train, valid, device="auto", seed=0, checkpoint_path=tmp_path / "gru.pt",
                        progress=False, hidden_size=16, embedding_size=8, max_epochs=2)
    metrics = json.loads(metrics_path(tmp_path / "gru.pt").read_text())
    assert metrics["model"] == "gru" and metrics["valid"]["auc"] > 0.5 and "history" in metrics
    assert math.isfinite(metrics["train_seconds"])
    again = load(tmp_path / "gru.pt")
    assert again.training_info["valid"]["auc"] == pytest.approx(metrics["valid"]["auc"])
    np.testing.assert_array_equal(again.predict_sequences(valid), model.predict_sequences(valid))
    result = evaluate(again, valid)
    assert result["update_ms"] > 0 and result["predict_ms"] > 0 and result["finite"]


def test_auto_device_is_cuda_only_when_available() -> None:
    import torch

    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    assert resolve_device("cpu").type == "cpu"


def test_compare_promotes_only_a_finite_better_candidate() -> None:
    champion = {"auc": 0.80, "accuracy": 0.75, "logloss": 0.50, "rmse": 0.40, "ece": 0.02}
    better = {**champion, "auc": 0.82}
    assert compare(better, champion).promote
    assert compare(better, None).promote
    assert not compare(champion, better).promote
    assert not compare({**better, "logloss": math.nan}, champion).promote
    assert not compare({**better, "finite": False}, champion).promote
    assert not compare({**better, "logloss": 0.60}, champion).promote  # much worse calibrated
    assert not compare(better, champion, min_improvement=0.05).promote


class _Line:
    """A one-weight model fitted to y = 2x, one step per epoch, so every step can be replayed."""

    name = "line"

    def __init__(self) -> None:
        import torch

        self.net = torch.nn.Linear(1, 1, bias=False)
        torch.nn.init.zeros_(self.net.weight)

    @property
    def module(self):  # type: ignore[no-untyped-def]
        return self.net

    def training_batches(self, log: object, rng: np.random.Generator) -> list:
        import torch

        return [torch.ones(1, 1)]

    def training_loss(self, x):  # type: ignore[no-untyped-def]
        return ((self.net(x) - 2 * x) ** 2).mean()


def _fit_line(average_epochs: float, epochs: int = 6) -> tuple[list[float], float]:
    from adaptive.core.train import Callback, Trainer

    model, seen = _Line(), []

    class Record(Callback):
        def on_epoch_end(self, m: object, epoch: int, logs: dict[str, float]) -> bool:
            seen.append(float(model.net.weight.detach()))
            return False

    Trainer(max_epochs=epochs, learning_rate=0.1, gradient_clip=0.0, average_epochs=average_epochs,
            progress=False).fit(model, None, [Record()])
    return seen, float(model.net.weight.detach())


def test_weight_averaging_judges_and_keeps_the_moving_average_while_steps_go_on_from_the_raw_weights() -> None:
    raw, raw_final = _fit_line(0.0)
    averaged, final = _fit_line(2.0)  # one step per epoch: each step moves the average half way
    expected, average = [], None
    for weight in raw:  # the same steps, averaged from the first epoch's weights on
        average = weight if average is None else 0.5 * average + 0.5 * weight
        expected.append(average)
    assert raw_final == pytest.approx(raw[-1])
    assert averaged == pytest.approx(expected)
    assert final == pytest.approx(expected[-1]) and final < raw_final - 0.05  # the average lags behind


@pytest.mark.parametrize("epochs", [-1.0, math.inf, math.nan])
def test_weight_averaging_refuses_a_horizon_that_is_not_a_number_of_epochs(epochs: float) -> None:
    from adaptive.core.train import Trainer

    with pytest.raises(ValueError, match="average_epochs"):
        Trainer(max_epochs=1, learning_rate=0.1, average_epochs=epochs)


def test_the_stable_holdout_keeps_a_learner_on_its_side_as_the_log_grows() -> None:
    from adaptive.core.data import split_learners_stably
    from adaptive.core.simulate import simulate_learners

    small = simulate_learners(n_learners=100, seed=5).log
    grown = simulate_learners(n_learners=104, seed=5).log  # the same first learners, four more
    _, held_small = split_learners_stably(small, 0.2)
    kept_grown, _ = split_learners_stably(grown, 0.2)
    held_before = set(held_small.learner_vocab.decode(np.unique(held_small.learner)))
    trained_now = set(kept_grown.learner_vocab.decode(np.unique(kept_grown.learner)))
    assert held_before and not held_before & trained_now, "no learner held out before is trained on now"
    assert 10 <= len(held_before) <= 30


def test_the_paired_comparison_promotes_a_real_gain_and_refuses_noise() -> None:
    import dataclasses

    from adaptive.core.evaluate import compare_paired
    from adaptive.core.simulate import simulate_learners

    log = simulate_learners(n_learners=150, seed=6).log
    rng = np.random.default_rng(0)
    truth = rng.uniform(0.1, 0.9, len(log))  # answers drawn from known chances: ``truth`` is calibrated
    log = dataclasses.replace(log, correct=(rng.random(len(log)) < truth).astype(np.int8))
    noise = np.clip(log.correct.mean() + rng.normal(0, 0.02, len(log)), 0.01, 0.99)
    better, evidence = compare_paired(log, truth, noise)
    assert better.promote and evidence["auc_gain"]["low"] > 0.002
    same, _ = compare_paired(log, truth, np.clip(truth + rng.normal(0, 1e-4, len(log)), 0.01, 0.99))
    assert not same.promote and "not credibly above" in same.reason
    broken, _ = compare_paired(log, np.full(len(log), np.nan), noise)
    assert not broken.promote and "non-finite" in broken.reason
