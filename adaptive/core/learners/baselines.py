"""Classic learner models: per-skill mean, Elo, PFA and BKT.

They are small, fast and easy to explain, and they set the bar the meta-learned models must clear.
Each fits in one go and runs its online updates in plain numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np
import scipy.sparse as sparse
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from adaptive.core.data import ResponseLog, group_index_matrix
from adaptive.core.features import history_counts
from adaptive.core.learners.base import LearnerModel, State, register

if TYPE_CHECKING:
    from adaptive.core.train import Callback


def _sigmoid(x: np.ndarray) -> np.ndarray:
    probability: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return probability


def _auc(correct: np.ndarray, predicted: np.ndarray) -> float:
    if len(np.unique(correct)) < 2:
        return float("nan")
    return float(roc_auc_score(correct, predicted))


@overload
def _slot(index: np.ndarray, size: int) -> np.ndarray: ...


@overload
def _slot(index: int, size: int) -> int: ...


def _slot(index: np.ndarray | int, size: int) -> np.ndarray | int:
    """Dense index with -1 (unknown) mapped to the extra last slot of a table of ``size`` + 1."""
    return np.where(np.asarray(index) < 0, size, index) if isinstance(index, np.ndarray) else (size if index < 0 else index)


# ------------------------------------------------------------------------------------------------
@dataclass
class SkillMeanConfig:
    """``prior_strength``: how many answers the population mean counts as; 0 = pick on validation."""

    prior_strength: float = 0.0


@register("skill_mean")
class SkillMeanModel(LearnerModel):
    """Mean success per item, shrunk towards the learner's own success rate on the item's skill.

    With no answers it predicts the population mean of the item; each answer on a skill moves the
    learner's estimate for that skill like a Beta-Binomial posterior mean.
    """

    config_class = SkillMeanConfig
    exposes_difficulty = True

    def __init__(self, config: SkillMeanConfig | None = None) -> None:
        super().__init__(config)
        self.item_mean = np.zeros(1)
        self.prior_strength = 1.0

    def _fit(self, train_log: ResponseLog, valid_log: ResponseLog | None, *, seed: int,
             callbacks: Sequence[Callback], progress: bool) -> None:
        scored = train_log.scored
        overall = float(train_log.correct[scored].mean()) if scored.any() else 0.5
        counts = np.bincount(train_log.item[scored], minlength=self.n_items)
        wins = np.bincount(train_log.item[scored], weights=train_log.correct[scored], minlength=self.n_items)
        self.item_mean = np.r_[(wins + 2 * overall) / (counts + 2), overall]
        self.prior_strength = self.config.prior_strength or 4.0
        if not self.config.prior_strength and valid_log is not None and len(valid_log):
            scores = {}
            for strength in (1.0, 2.0, 4.0, 8.0, 16.0):
                self.prior_strength = strength
                scores[strength] = _auc(valid_log.correct, self.predict_sequences(valid_log))
            self.prior_strength = max(scores, key=lambda s: (scores[s], -s))
        self._run_single_epoch_callbacks(callbacks)

    def init_state(self) -> State:
        return {"attempts": np.zeros(self.n_skills + 1, dtype=np.int64), "wins": np.zeros(self.n_skills + 1, dtype=np.int64)}

    def _update(self, state: State, item: int, skill: int, correct: int, at: float = math.nan) -> State:
        new = {key: value.copy() for key, value in state.items()}
        slot = _slot(skill, self.n_skills)
        new["attempts"][slot] += 1
        new["wins"][slot] += correct
        return new

    def _probability(self, items: np.ndarray, attempts: np.ndarray, wins: np.ndarray) -> np.ndarray:
        prior = self.item_mean[_slot(items, self.n_items)]
        probability: np.ndarray = (wins + self.prior_strength * prior) / (attempts + self.prior_strength)
        return probability

    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray, at: float = math.nan) -> np.ndarray:
        slots = _slot(skills, self.n_skills)
        return self._probability(items, state["attempts"][slots], state["wins"][slots])

    def _predict_rows(self, log: ResponseLog) -> np.ndarray:
        items, skills = self.dense_columns(log)
        attempts, wins, *_ = history_counts(log.learner, skills, log.correct, self.n_skills)
        return self._probability(items, attempts, wins)

    def item_difficulty(self) -> np.ndarray:
        return -self.item_mean[: self.n_items]

    def _weights(self) -> dict[str, torch.Tensor]:
        return {"item_mean": torch.from_numpy(self.item_mean.copy()), "prior_strength": torch.tensor(self.prior_strength, dtype=torch.float64)}

    def _load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        self.item_mean = weights["item_mean"].numpy().astype(np.float64)
        self.prior_strength = float(weights["prior_strength"])


# ------------------------------------------------------------------------------------------------
@dataclass
class EloConfig:
    """Elo with a global ability plus one offset per skill, step sizes decaying with practice.

    ``learner_step`` 0 means: pick it on the validation learners.
    """

    learner_step: float = 0.0
    step_decay: float = 0.05
    item_step: float = 0.4
    passes: int = 2


@register("elo")
class EloModel(LearnerModel):
    """Elo rating: P(correct) = sigmoid(ability + skill offset - item difficulty)."""

    config_class = EloConfig
    exposes_difficulty = True

    def __init__(self, config: EloConfig | None = None) -> None:
        super().__init__(config)
        self.difficulty = np.zeros(1)
        self.learner_step = 0.4

    def _run(self, log_items: np.ndarray, log_skills: np.ndarray, log: ResponseLog, learner_step: float) -> np.ndarray:
        """Time-major Elo with fixed item difficulties, vectorised over learners.

        Returns the prediction made before each response. Learners are independent once the item
        difficulties are fixed, so this equals running each learner's updates one by one.
        """
        matrix = group_index_matrix(log.learner)
        n_rows = len(matrix)
        ability = np.zeros(n_rows)
        skill_offset = np.zeros((n_rows, self.n_skills + 1))
        skill_count = np.zeros((n_rows, self.n_skills + 1))
        out = np.zeros(len(log))
        rows = np.arange(n_rows)
        for t in range(matrix.shape[1]):
            index = matrix[:, t]
            active = index >= 0
            idx = index[active]
            r = rows[active]
            items = _slot(log_items[idx], self.n_items)
            skills = _slot(log_skills[idx], self.n_skills)
            p = _sigmoid(ability[r] + skill_offset[r, skills] - self.difficulty[items])
            out[idx] = p
            error = log.correct[idx] - p
            ability[r] += learner_step / (1 + self.config.step_decay * t) * error
            skill_offset[r, skills] += learner_step / (1 + self.config.step_decay * skill_count[r, skills]) * error
            skill_count[r, skills] += 1
        return out

    def _train_pass(self, log: ResponseLog, learner_step: float, item_count: list[float]) -> None:
        """One sequential Elo pass over the training learners, moving item difficulties too.

        Sequential on purpose: updating one item from many learners at once overshoots.
        """
        difficulty = self.difficulty.tolist()
        items, skills, correct = log.item.tolist(), log.skill.tolist(), log.correct.tolist()
        evidence_only = log.evidence_only.tolist() if log.evidence_only is not None else [False] * len(log)
        decay, item_step = self.config.step_decay, self.config.item_step
        for seq in log.sequences():
            ability = 0.0
            offsets: dict[int, float] = {}
            counts: dict[int, int] = {}
            for t in range(seq.start, seq.stop):
                item, skill = items[t], skills[t]
                offset = offsets.get(skill, 0.0)
                error = correct[t] - 1.0 / (1.0 + math.exp(-(ability + offset - difficulty[item])))
                ability += learner_step / (1 + decay * (t - seq.start)) * error
                offsets[skill] = offset + learner_step / (1 + decay * counts.get(skill, 0)) * error
                counts[skill] = counts.get(skill, 0) + 1
                if evidence_only[t]:
                    continue  # the same answer traced on a further skill: the item has moved once
                difficulty[item] -= item_step / (1 + decay * item_count[item]) * error
                item_count[item] += 1
        self.difficulty = np.asarray(difficulty)

    def _fit(self, train_log: ResponseLog, valid_log: ResponseLog | None, *, seed: int,
             callbacks: Sequence[Callback], progress: bool) -> None:
        self.difficulty = np.zeros(self.n_items + 1)
        items = train_log.item
        item_count = [0.0] * (self.n_items + 1)
        for _ in range(self.config.passes):
            self._train_pass(train_log, self.config.learner_step or 0.4, item_count)
        seen = np.bincount(items[train_log.scored], minlength=self.n_items) > 0
        self.difficulty[self.n_items] = float(self.difficulty[: self.n_items][seen].mean()) if seen.any() else 0.0
        self.learner_step = self.config.learner_step or 0.4
        if not self.config.learner_step and valid_log is not None and len(valid_log):
            scores = {}
            for step in (0.1, 0.2, 0.4, 0.8):
                self.learner_step = step
                scores[step] = _auc(valid_log.correct, self.predict_sequences(valid_log))
            self.learner_step = max(scores, key=lambda s: scores[s])
        self._run_single_epoch_callbacks(callbacks)

    def init_state(self) -> State:
        return {
            "ability": np.zeros(()),
            "count": np.zeros((), dtype=np.int64),
            "skill_offset": np.zeros(self.n_skills + 1),
            "skill_count": np.zeros(self.n_skills + 1, dtype=np.int64),
        }

    def _update(self, state: State, item: int, skill: int, correct: int, at: float = math.nan) -> State:
        new = {key: value.copy() for key, value in state.items()}
        item_slot, skill_slot = _slot(item, self.n_items), _slot(skill, self.n_skills)
        p = _sigmoid(state["ability"] + state["skill_offset"][skill_slot] - self.difficulty[item_slot])
        error = correct - p
        new["ability"] = state["ability"] + self.learner_step / (1 + self.config.step_decay * state["count"]) * error
        new["skill_offset"][skill_slot] += self.learner_step / (1 + self.config.step_decay * state["skill_count"][skill_slot]) * error
        new["count"] = state["count"] + 1
        new["skill_count"][skill_slot] += 1
        return new

    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray, at: float = math.nan) -> np.ndarray:
        return _sigmoid(state["ability"] + state["skill_offset"][_slot(skills, self.n_skills)] - self.difficulty[_slot(items, self.n_items)])

    def _predict_rows(self, log: ResponseLog) -> np.ndarray:
        items, skills = self.dense_columns(log)
        return self._run(items, skills, log, self.learner_step)

    def item_difficulty(self) -> np.ndarray:
        return self.difficulty[: self.n_items].copy()

    def _weights(self) -> dict[str, torch.Tensor]:
        return {"difficulty": torch.from_numpy(self.difficulty.copy()), "learner_step": torch.tensor(self.learner_step, dtype=torch.float64)}

    def _load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        self.difficulty = weights["difficulty"].numpy().astype(np.float64)
        self.learner_step = float(weights["learner_step"])


# ------------------------------------------------------------------------------------------------
@dataclass
class PFAConfig:
    """Performance factors analysis with log counts; ``regularisation`` is sklearn's C."""

    regularisation: float = 1.0
    max_iterations: int = 500


@register("pfa")
class PFAModel(LearnerModel):
    """PFA: logit = item easiness + (shared + per-skill) weights on log(1+successes), log(1+failures).

    The shared weights make a skill never seen in training still benefit from practice counts.
    """

    config_class = PFAConfig
    exposes_difficulty = True

    def __init__(self, config: PFAConfig | None = None) -> None:
        super().__init__(config)
        self.easiness = np.zeros(1)
        self.win_weight = np.zeros(1)
        self.fail_weight = np.zeros(1)
        self.intercept = 0.0

    def _design(self, items: np.ndarray, skills: np.ndarray, wins: np.ndarray, fails: np.ndarray) -> sparse.csr_matrix:
        n = len(items)
        rows = np.arange(n)
        log_wins, log_fails = np.log1p(wins), np.log1p(fails)
        known_item, known_skill = items >= 0, skills >= 0
        n_i, n_s = self.n_items, self.n_skills
        parts_rows = [rows[known_item], rows, rows, rows[known_skill], rows[known_skill]]
        parts_cols = [items[known_item], np.full(n, n_i), np.full(n, n_i + 1),
                      n_i + 2 + skills[known_skill], n_i + 2 + n_s + skills[known_skill]]
        parts_vals = [np.ones(known_item.sum()), log_wins, log_fails, log_wins[known_skill], log_fails[known_skill]]
        return sparse.csr_matrix(
            (np.concatenate(parts_vals), (np.concatenate(parts_rows), np.concatenate(parts_cols))),
            shape=(n, n_i + 2 + 2 * n_s),
        )

    def _fit(self, train_log: ResponseLog, valid_log: ResponseLog | None, *, seed: int,
             callbacks: Sequence[Callback], progress: bool) -> None:
        attempts, wins, *_ = history_counts(train_log.learner, train_log.skill, train_log.correct, self.n_skills)
        scored = train_log.scored  # counts include every skill's evidence; each answer is fitted once
        design = self._design(train_log.item[scored], train_log.skill[scored], wins[scored], (attempts - wins)[scored])
        regression = LogisticRegression(C=self.config.regularisation, max_iter=self.config.max_iterations)
        regression.fit(design, train_log.correct[scored])
        coef = regression.coef_[0]
        n_i, n_s = self.n_items, self.n_skills
        self.easiness = np.r_[coef[:n_i], 0.0]
        self.win_weight = np.r_[coef[n_i] + coef[n_i + 2 : n_i + 2 + n_s], coef[n_i]]
        self.fail_weight = np.r_[coef[n_i + 1] + coef[n_i + 2 + n_s :], coef[n_i + 1]]
        self.intercept = float(regression.intercept_[0])
        self._run_single_epoch_callbacks(callbacks)

    def _probability(self, items: np.ndarray, skills: np.ndarray, wins: np.ndarray, fails: np.ndarray) -> np.ndarray:
        skill_slots = _slot(skills, self.n_skills)
        logit = (self.intercept + self.easiness[_slot(items, self.n_items)]
                 + self.win_weight[skill_slots] * np.log1p(wins) + self.fail_weight[skill_slots] * np.log1p(fails))
        return _sigmoid(logit)

    def init_state(self) -> State:
        return {"wins": np.zeros(self.n_skills + 1, dtype=np.int64), "fails": np.zeros(self.n_skills + 1, dtype=np.int64)}

    def _update(self, state: State, item: int, skill: int, correct: int, at: float = math.nan) -> State:
        new = {key: value.copy() for key, value in state.items()}
        new["wins" if correct else "fails"][_slot(skill, self.n_skills)] += 1
        return new

    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray, at: float = math.nan) -> np.ndarray:
        slots = _slot(skills, self.n_skills)
        return self._probability(items, skills, state["wins"][slots], state["fails"][slots])

    def _predict_rows(self, log: ResponseLog) -> np.ndarray:
        items, skills = self.dense_columns(log)
        attempts, wins, *_ = history_counts(log.learner, skills, log.correct, self.n_skills)
        return self._probability(items, skills, wins, attempts - wins)

    def item_difficulty(self) -> np.ndarray:
        return -self.easiness[: self.n_items]

    def _weights(self) -> dict[str, torch.Tensor]:
        return {name: torch.from_numpy(np.asarray(getattr(self, name), dtype=np.float64).copy())
                for name in ("easiness", "win_weight", "fail_weight", "intercept")}

    def _load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        self.easiness = weights["easiness"].numpy()
        self.win_weight = weights["win_weight"].numpy()
        self.fail_weight = weights["fail_weight"].numpy()
        self.intercept = float(weights["intercept"])


# ------------------------------------------------------------------------------------------------
@dataclass
class BKTConfig:
    """Bayesian knowledge tracing per skill, fitted by EM; guess and slip are capped (identifiability)."""

    iterations: int = 25
    max_guess: float = 0.3
    max_slip: float = 0.3
    max_train_length: int = 200


@register("bkt")
class BKTModel(LearnerModel):
    """Two-state hidden Markov model per skill (no forgetting), EM vectorised over learner-skill runs."""

    config_class = BKTConfig

    def __init__(self, config: BKTConfig | None = None) -> None:
        super().__init__(config)
        # Rows: one per skill plus the last one for unknown skills (the average).
        self.params = np.tile([0.5, 0.1, 0.2, 0.1], (1, 1))  # prior, learn, guess, slip

    def _fit(self, train_log: ResponseLog, valid_log: ResponseLog | None, *, seed: int,
             callbacks: Sequence[Callback], progress: bool) -> None:
        n_s = self.n_skills
        key = train_log.learner * (n_s + 1) + train_log.skill
        matrix = group_index_matrix(key, self.config.max_train_length)
        mask = matrix >= 0
        y = np.where(mask, train_log.correct[np.maximum(matrix, 0)], 0).astype(np.float64)
        row_skill = train_log.skill[matrix[:, 0]]
        params = np.tile([0.4, 0.15, 0.2, 0.1], (n_s, 1))
        n_rows, width = matrix.shape
        for _ in range(self.config.iterations):
            prior, learn, guess, slip = (params[row_skill, k] for k in range(4))
            e1 = np.where(y == 1, 1 - slip[:, None], slip[:, None])  # P(y | mastered)
            e0 = np.where(y == 1, guess[:, None], 1 - guess[:, None])  # P(y | not mastered)
            e1, e0 = np.where(mask, e1, 1.0), np.where(mask, e0, 1.0)
            alpha = np.zeros((n_rows, width, 2))
            a0, a1 = (1 - prior) * e0[:, 0], prior * e1[:, 0]
            norm = a0 + a1
            alpha[:, 0, 0], alpha[:, 0, 1] = a0 / norm, a1 / norm
            for t in range(1, width):
                m = mask[:, t]
                p0 = alpha[:, t - 1, 0] * (1 - learn)
                p1 = alpha[:, t - 1, 1] + alpha[:, t - 1, 0] * learn
                a0, a1 = p0 * e0[:, t], p1 * e1[:, t]
                norm = a0 + a1
                alpha[:, t, 0] = np.where(m, a0 / norm, alpha[:, t - 1, 0])
                alpha[:, t, 1] = np.where(m, a1 / norm, alpha[:, t - 1, 1])
            beta = np.ones((n_rows, width, 2))
            xi01 = np.zeros((n_rows, width))
            for t in range(width - 2, -1, -1):
                m = mask[:, t + 1]
                b0 = (1 - learn) * e0[:, t + 1] * beta[:, t + 1, 0] + learn * e1[:, t + 1] * beta[:, t + 1, 1]
                b1 = e1[:, t + 1] * beta[:, t + 1, 1]
                norm = b0 + b1
                beta[:, t, 0] = np.where(m, b0 / norm, 1.0)
                beta[:, t, 1] = np.where(m, b1 / norm, 1.0)
                joint01 = alpha[:, t, 0] * learn * e1[:, t + 1] * beta[:, t + 1, 1]
                joint00 = alpha[:, t, 0] * (1 - learn) * e0[:, t + 1] * beta[:, t + 1, 0]
                joint11 = alpha[:, t, 1] * e1[:, t + 1] * beta[:, t + 1, 1]
                xi01[:, t + 1] = np.where(m, joint01 / (joint00 + joint01 + joint11), 0.0)
            gamma = alpha * beta
            gamma /= gamma.sum(axis=2, keepdims=True)
            g0, g1 = gamma[..., 0] * mask, gamma[..., 1] * mask
            prev0 = np.zeros_like(g0)
            prev0[:, 1:] = g0[:, :-1] * mask[:, 1:]

            def per_skill(values: np.ndarray) -> np.ndarray:
                return np.bincount(row_skill, weights=values.sum(axis=1) if values.ndim == 2 else values, minlength=n_s)

            eps = 1e-6
            new_prior = (per_skill(g1[:, 0]) + eps) / (np.bincount(row_skill, minlength=n_s) + 2 * eps)
            new_learn = (per_skill(xi01) + eps) / (per_skill(prev0) + 2 * eps)
            new_guess = (per_skill(g0 * y) + eps) / (per_skill(g0) + 2 * eps)
            new_slip = (per_skill(g1 * (1 - y) * mask) + eps) / (per_skill(g1) + 2 * eps)
            params = np.stack([
                np.clip(new_prior, 0.01, 0.99), np.clip(new_learn, 0.001, 0.99),
                np.clip(new_guess, 0.01, self.config.max_guess), np.clip(new_slip, 0.01, self.config.max_slip),
            ], axis=1)
        self.params = np.vstack([params, params.mean(axis=0, keepdims=True)])
        self._run_single_epoch_callbacks(callbacks)

    def init_state(self) -> State:
        return {"mastery": self.params[:, 0].copy()}

    def _update(self, state: State, item: int, skill: int, correct: int, at: float = math.nan) -> State:
        slot = _slot(skill, self.n_skills)
        _, learn, guess, slip = self.params[slot]
        known = state["mastery"][slot]
        if correct:
            posterior = known * (1 - slip) / (known * (1 - slip) + (1 - known) * guess)
        else:
            posterior = known * slip / (known * slip + (1 - known) * (1 - guess))
        mastery = state["mastery"].copy()
        mastery[slot] = posterior + (1 - posterior) * learn
        return {"mastery": mastery}

    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray, at: float = math.nan) -> np.ndarray:
        slots = _slot(skills, self.n_skills)
        known = state["mastery"][slots]
        probability: np.ndarray = known * (1 - self.params[slots, 3]) + (1 - known) * self.params[slots, 2]
        return probability

    def _predict_rows(self, log: ResponseLog) -> np.ndarray:
        _, skills = self.dense_columns(log)
        slots = _slot(skills, self.n_skills)
        matrix = group_index_matrix(log.learner * (self.n_skills + 1) + slots)
        out = np.zeros(len(log))
        if matrix.size == 0:
            return out
        row_slot = slots[matrix[:, 0]]
        prior, learn, guess, slip = (self.params[row_slot, k] for k in range(4))
        known = prior.copy()
        for t in range(matrix.shape[1]):
            index = matrix[:, t]
            active = index >= 0
            idx = index[active]
            k, g, s, lr = known[active], guess[active], slip[active], learn[active]
            out[idx] = k * (1 - s) + (1 - k) * g
            y = log.correct[idx] == 1
            posterior = np.where(y, k * (1 - s) / (k * (1 - s) + (1 - k) * g), k * s / (k * s + (1 - k) * (1 - g)))
            known[active] = posterior + (1 - posterior) * lr
        return out

    def _weights(self) -> dict[str, torch.Tensor]:
        return {"params": torch.from_numpy(self.params.copy())}

    def _load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        self.params = weights["params"].numpy().astype(np.float64)
