"""Evaluation on held-out learners, and the promotion rule the model registry uses.

Every number here treats the learners of the evaluated log as new: response t is predicted only
from that learner's responses before t, starting from the model's prior.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.metrics import roc_auc_score

from adaptive.core.data import ResponseLog

if TYPE_CHECKING:
    from adaptive.core.learners.base import LearnerModel

KSHOT_POINTS = (1, 3, 5, 10, 20)
HEADLINE_METRICS = ("auc", "accuracy", "logloss", "rmse", "ece")


def _auc(correct: np.ndarray, predicted: np.ndarray) -> float:
    if len(correct) == 0 or len(np.unique(correct)) < 2:
        return float("nan")
    return float(roc_auc_score(correct, predicted))


def calibration_bins(correct: np.ndarray, predicted: np.ndarray, n_bins: int = 10) -> tuple[float, list[dict[str, float]]]:
    """Expected calibration error over equal-width bins, and the bins (mean predicted vs observed)."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(predicted, edges[1:-1]), 0, n_bins - 1)
    bins: list[dict[str, float]] = []
    ece = 0.0
    for b in range(n_bins):
        in_bin = which == b
        count = int(in_bin.sum())
        if count == 0:
            continue
        mean_predicted = float(predicted[in_bin].mean())
        observed = float(correct[in_bin].mean())
        ece += count / len(correct) * abs(mean_predicted - observed)
        bins.append({"low": float(edges[b]), "high": float(edges[b + 1]), "count": count,
                     "predicted": mean_predicted, "observed": observed})
    return float(ece), bins


def prediction_metrics(correct: np.ndarray, predicted: np.ndarray) -> dict[str, Any]:
    """AUC, accuracy, log-loss, RMSE, ECE and the calibration bins of a set of predictions."""
    correct = np.asarray(correct, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    if len(correct) == 0:
        return {"auc": math.nan, "accuracy": math.nan, "logloss": math.nan, "rmse": math.nan, "ece": math.nan,
                "calibration": [], "n": 0, "finite": True}
    finite = bool(np.all(np.isfinite(predicted)))
    clipped = np.clip(np.nan_to_num(predicted, nan=0.5), 1e-7, 1 - 1e-7)
    ece, bins = calibration_bins(correct, clipped)
    return {
        "auc": _auc(correct, clipped),
        "accuracy": float(np.mean((clipped >= 0.5) == (correct == 1))),
        "logloss": float(-np.mean(correct * np.log(clipped) + (1 - correct) * np.log(1 - clipped))),
        "rmse": float(np.sqrt(np.mean((clipped - correct) ** 2))),
        "ece": ece,
        "calibration": bins,
        "n": len(correct),
        "finite": finite,
    }


def kshot_curve(log: ResponseLog, predicted: np.ndarray) -> dict[str, float]:
    """AUC over each learner's responses 1..k (k in 1,3,5,10,20) and over responses after the 20th."""
    position = log.positions()
    correct = log.correct.astype(np.float64)
    curve = {str(k): _auc(correct[position < k], predicted[position < k]) for k in KSHOT_POINTS}
    late = position >= KSHOT_POINTS[-1]
    curve["after20"] = _auc(correct[late], predicted[late])
    return curve


def online_cost_ms(model: LearnerModel, log: ResponseLog, n_responses: int = 200) -> tuple[float, float]:
    """Mean wall time in ms of one ``update`` and one single-item ``predict`` through the public API."""
    raw_items = log.item_vocab.decode(log.item[:n_responses])
    raw_skills = log.skill_vocab.decode(log.skill[:n_responses])
    correct = log.correct[:n_responses]
    if not raw_items:
        return math.nan, math.nan
    state = model.init_state()
    model.predict(state, [raw_items[0]])  # warm-up (lazy allocations, first torch call)
    update_time = predict_time = 0.0
    for item, skill, answer in zip(raw_items, raw_skills, correct):
        started = time.perf_counter()
        model.predict(state, [item], [skill])
        predict_time += time.perf_counter() - started
        started = time.perf_counter()
        state = model.update(state, item, int(answer), skill)
        update_time += time.perf_counter() - started
    return 1000 * update_time / len(raw_items), 1000 * predict_time / len(raw_items)


def evaluate(model: LearnerModel, log: ResponseLog, *, timing: bool = True,
             predicted: np.ndarray | None = None) -> dict[str, Any]:
    """All held-out metrics of ``model`` on the (unseen) learners of ``log``; ``predicted`` is
    ``model.predict_sequences(log)`` when the caller has it already."""
    started = time.perf_counter()
    predicted = model.predict_sequences(log) if predicted is None else predicted
    metrics = prediction_metrics(log.correct, predicted)
    metrics["kshot"] = kshot_curve(log, np.nan_to_num(predicted, nan=0.5))
    metrics["evaluate_seconds"] = time.perf_counter() - started
    metrics["train_seconds"] = float(model.training_info.get("train_seconds", math.nan))
    if timing:
        metrics["update_ms"], metrics["predict_ms"] = online_cost_ms(model, log)
    return metrics


@dataclass(frozen=True)
class PromotionDecision:
    promote: bool
    reason: str


def metrics_are_finite(metrics: dict[str, Any]) -> bool:
    """True when the predictions were finite and every headline metric is a finite number."""
    if not metrics.get("finite", True):
        return False
    return all(isinstance(metrics.get(k), (int, float)) and math.isfinite(metrics[k]) for k in HEADLINE_METRICS)


def compare(candidate: dict[str, Any], champion: dict[str, Any] | None, *, metric: str = "auc",
            min_improvement: float = 0.0, max_logloss_increase: float = 0.02) -> PromotionDecision:
    """Should ``candidate`` replace ``champion``? Both are metrics from the same held-out learners.

    A candidate is promoted when its outputs are finite, it beats the champion on ``metric`` (AUC,
    higher is better) by more than ``min_improvement``, and it does not lose calibration by more
    than ``max_logloss_increase`` in log-loss. With no champion, any finite candidate wins.
    """
    if not metrics_are_finite(candidate):
        return PromotionDecision(False, "candidate has non-finite predictions or metrics")
    if champion is None or not metrics_are_finite(champion):
        return PromotionDecision(True, "no usable champion")
    gain = candidate[metric] - champion[metric]
    if gain <= min_improvement:
        return PromotionDecision(False, f"{metric} {candidate[metric]:.4f} does not beat {champion[metric]:.4f} by more than {min_improvement}")
    if candidate["logloss"] - champion["logloss"] > max_logloss_increase:
        return PromotionDecision(False, f"logloss {candidate['logloss']:.4f} is worse than {champion['logloss']:.4f}")
    return PromotionDecision(True, f"{metric} {candidate[metric]:.4f} beats {champion[metric]:.4f}")


@dataclass(frozen=True)
class PairedDifference:
    """Candidate minus champion on the same held-out learners, with a 95% bootstrap interval."""

    mean: float
    low: float
    high: float

    def as_dict(self) -> dict[str, float]:
        return {"mean": self.mean, "low": self.low, "high": self.high}


def paired_bootstrap(log: ResponseLog, candidate: np.ndarray, champion: np.ndarray, *, first: int | None = None,
                     n_boot: int = 400, seed: int = 0) -> PairedDifference:
    """AUC(candidate) - AUC(champion) on the same responses, with an interval from resampling whole
    learners (so one learner's many answers count as one draw). ``first``: only each learner's first
    ``first`` responses (the new-learner case)."""
    correct = np.asarray(log.correct, dtype=np.float64)
    keep = np.ones(len(log), dtype=bool) if first is None else log.positions() < first
    learner = np.unique(log.learner[keep], return_inverse=True)[1]
    y, a, b = correct[keep], np.nan_to_num(candidate[keep], nan=0.5), np.nan_to_num(champion[keep], nan=0.5)
    if len(y) == 0 or len(np.unique(y)) < 2:
        return PairedDifference(math.nan, math.nan, math.nan)
    observed = float(roc_auc_score(y, a) - roc_auc_score(y, b))
    rng = np.random.default_rng(seed)
    n_learners = int(learner.max()) + 1
    draws = []
    for _ in range(n_boot):
        weight = np.bincount(rng.integers(0, n_learners, n_learners), minlength=n_learners)[learner].astype(np.float64)
        positives = float((weight * y).sum())
        if positives == 0 or positives == weight.sum():
            continue
        draws.append(roc_auc_score(y, a, sample_weight=weight) - roc_auc_score(y, b, sample_weight=weight))
    if not draws:
        return PairedDifference(observed, math.nan, math.nan)
    low, high = np.percentile(draws, [2.5, 97.5])
    return PairedDifference(observed, float(low), float(high))


def kshot_versus(log: ResponseLog, candidate: np.ndarray, reference: np.ndarray, *, points: tuple[int, ...] = (1, 3, 5),
                 n_boot: int = 400, seed: int = 0) -> dict[str, dict[str, float]]:
    """For each k in ``points``: AUC(candidate) - AUC(reference) on every learner's first k responses
    of ``log`` (the same responses for both), with its 95% paired-bootstrap interval over learners."""
    return {str(k): paired_bootstrap(log, candidate, reference, first=k, n_boot=n_boot, seed=seed + k).as_dict()
            for k in points}


def compare_paired(log: ResponseLog, candidate: np.ndarray, champion: np.ndarray, *, margin: float = 0.002,
                   new_learner_first: int = 5, new_learner_slack: float = 0.01, max_ece_increase: float = 0.02,
                   seed: int = 0) -> tuple[PromotionDecision, dict[str, Any]]:
    """The registry's promotion rule, on predictions of the same held-out learners.

    The candidate replaces the champion only when its predictions are finite, the lower end of the
    95% interval of its AUC gain is above ``margin`` (a gain the held-out learners make credible,
    not luck), it is not worse for new learners by more than ``new_learner_slack`` (the AUC gain on
    their first ``new_learner_first`` answers; its interval is reported, but a few held-out learners
    make it too wide to gate on), and its calibration error is at most ``max_ece_increase`` above the
    champion's.
    """
    candidate = np.asarray(candidate, dtype=np.float64)
    champion = np.asarray(champion, dtype=np.float64)
    if not np.all(np.isfinite(candidate)):
        return PromotionDecision(False, "candidate has non-finite predictions"), {}
    overall = paired_bootstrap(log, candidate, champion, seed=seed)
    first = paired_bootstrap(log, candidate, champion, first=new_learner_first, seed=seed + 1)
    correct = np.asarray(log.correct, dtype=np.float64)
    ece_candidate = calibration_bins(correct, np.clip(candidate, 1e-7, 1 - 1e-7))[0]
    ece_champion = calibration_bins(correct, np.clip(np.nan_to_num(champion, nan=0.5), 1e-7, 1 - 1e-7))[0]
    evidence = {"auc_gain": overall.as_dict(), f"first_{new_learner_first}_auc_gain": first.as_dict(),
                "ece": ece_candidate, "champion_ece": ece_champion, "margin": margin}
    if not math.isfinite(overall.low):
        return PromotionDecision(False, "too few held-out answers to compare the models"), evidence
    gain = f"AUC gain {overall.mean:+.4f} (95% interval {overall.low:+.4f} to {overall.high:+.4f})"
    if overall.low <= margin:
        return PromotionDecision(False, f"{gain} is not credibly above {margin:+.3f}"), evidence
    if math.isfinite(first.mean) and first.mean < -new_learner_slack:
        return PromotionDecision(False, f"{gain}, but it is worse for new learners' first {new_learner_first} "
                                        f"answers ({first.mean:+.4f})"), evidence
    if ece_candidate > ece_champion + max_ece_increase:
        return PromotionDecision(False, f"{gain}, but calibration error {ece_candidate:.3f} is worse than "
                                        f"{ece_champion:.3f}"), evidence
    return PromotionDecision(True, gain), evidence
