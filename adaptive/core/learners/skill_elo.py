"""An interpretable per-skill learner model that reads the author's difficulty: Elo with uncertainty.

Each skill a learner meets has its own belief about their ability on it: a Gaussian over a logit,
mean ``mu`` and variance ``var`` (the Glicko extension of Elo; Glickman 1999; the same closed form is
a one-step Laplace/Kalman update of a logistic model, as in Pelánek's review of Elo for education,
2016). A question's difficulty is the author's 1-5 rating on the same logit scale
(``difficulty_step`` per step from medium) plus, once answers exist, a per-question offset learnt
from them and shrunk toward zero. The chance of a right answer on a question of skills ``S`` is the
product over ``S`` of ``sigmoid((mu_s - b) / sqrt(1 + pi var_s / 8))`` lifted by a guessing floor.

After an answer every skill of the question moves in closed form:

* the evidence step ``var' = 1 / (1 / var + I)``, ``mu' = mu + var' * g`` where ``g`` is the slope
  of the answer's log-likelihood at ``mu`` (positive for a right answer, negative for a wrong one)
  and ``I`` its Fisher information;
* learning: a right answer adds ``practice_gain``; ``drift`` is added to the variance, so the belief
  never freezes and a learner who improves is followed;
* forgetting (when ``forget_days`` > 0): between answers the belief relaxes toward the skill's prior
  with that time constant.

What the author provides shapes the prior of a course nobody has answered yet: a skill's prior mean
moves with the mean author difficulty of its questions and its number of prerequisites
(``prior_difficulty_weight``, ``prior_prerequisite_weight``); a question's guessing floor can depend
on its type (``guess_by_kind``: a true/false question is guessed more often than a numeric one) and
``slip`` keeps the predicted success of a learner who knows the skill below 1, as real learners slip.
These are population parameters like the others; ``adaptive.core.meta`` learns them across many
courses and data sets (the meta-learned prior) and adapts them to a course's own answers. Their
defaults (zero weights, no slip, one guessing floor) are the model as it was before they existed.

So, whatever the parameters (they are constrained to be non-negative where it matters): a right
answer never lowers the mastery of a skill the question practises and a wrong one never raises it;
a skill never seen starts from its own prior (``prior_mean``, the author features of the skill, plus
the skill's own offset when its first answers were seen in training), never from another skill's
history; a question never seen
starts from its author's difficulty. Mastery of a skill is the chance of answering a typical
(medium, difficulty 3) question of it, from the point estimate ``mu``, with the global guessing
floor and the slip (not the type's floor, a property of one kind of question): the scale of the
answers it predicts, and of the course's mastery threshold.

Fitting is empirical Bayes and closed form: the population's first-attempt success gives the
prior, each skill's and each question's own answers give shrunk offsets, and a small search picks
the variance, drift and gain (when held-out learners are given) on tuning learners: a hashed share
of the training learners, never the validation learners that compare models. No gradient, no GPU; it serves
the product whenever no trained model passes the invariants (``adaptive.core.invariants``).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from adaptive.core.data import RawId, ResponseLog, split_learners_stably
from adaptive.core.learners.base import ItemInfo, LearnerModel, Moment, State, register, seconds

if TYPE_CHECKING:
    import torch

#: Share of the training learners the search tunes on (apart from the validation learners), the
#: salt of their hash, and the fewest training learners with which a search is run at all.
TUNE_FRACTION = 0.2
TUNE_SALT = "skill_elo-tune"
MIN_TUNING_LEARNERS = 10

_PI_8 = math.pi / 8.0
_DAY = 86400.0


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


@dataclass
class SkillEloConfig:
    """Population parameters; the defaults serve a course nobody has answered yet."""

    prior_mean: float = 0.0  # a new learner's ability on a skill, in logits against a medium question
    prior_var: float = 1.0  # how unsure that prior is
    drift: float = 0.1  # variance added after each answer: skills move as learners learn
    practice_gain: float = 0.05  # logits gained with each right answer, beyond the evidence itself
    difficulty_step: float = 0.5  # logits per step of the author's difficulty (1-5; 3 is medium)
    guess: float = 0.0  # floor on the chance of a right answer (guessing a choice)
    forget_days: float = 0.0  # time constant of relaxing toward the prior between answers; 0: no forgetting
    skill_shrinkage: float = 20.0  # pseudo-learners weighing a skill's own first answers against the prior
    item_shrinkage: float = 20.0  # pseudo-answers weighing a question's own answers against its author's rating
    search: bool = True  # fit (with held-out learners): choose prior_var, drift and practice_gain on tuning learners
    slip: float = 0.0  # ceiling: a learner who knows the skill still answers wrong this often
    guess_by_kind: dict[str, float] = field(default_factory=dict)  # guessing floor per question type
    prior_difficulty_weight: float = 0.0  # prior logits per step of the mean author difficulty of a skill's questions above 3
    prior_prerequisite_weight: float = 0.0  # prior logits per prerequisite of the skill

    def __post_init__(self) -> None:
        for name in ("prior_var", "drift", "practice_gain", "difficulty_step", "guess", "forget_days",
                     "skill_shrinkage", "item_shrinkage"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
        if self.prior_var <= 0:
            raise ValueError("prior_var must be > 0")
        if self.guess >= 0.5:
            raise ValueError("guess must be below 0.5")
        for name in ("prior_mean", "prior_difficulty_weight", "prior_prerequisite_weight"):
            if not (isinstance(getattr(self, name), (int, float)) and math.isfinite(getattr(self, name))):
                raise ValueError(f"{name} must be finite")
        slip: object = self.slip  # read from stored JSON: checked as it comes, not as annotated
        if not (isinstance(slip, (int, float)) and 0 <= slip < 0.5):
            raise ValueError("slip must be in [0, 0.5)")
        self.guess_by_kind = {str(k): float(v) for k, v in dict(self.guess_by_kind).items()}
        for kind, floor in self.guess_by_kind.items():
            if not (math.isfinite(floor) and 0 <= floor < 0.5):
                raise ValueError(f"guess_by_kind[{kind!r}] must be in [0, 0.5), not {floor!r}")

    def floor(self, kind: str) -> float:
        """The guessing floor of a question of type ``kind`` (``guess`` for a type not listed)."""
        return self.guess_by_kind.get(kind, self.guess)


@register("skill_elo")
class SkillEloModel(LearnerModel):
    """Elo with uncertainty per skill, reading the author's difficulty; see the module docstring."""

    config_class = SkillEloConfig
    exposes_difficulty = True
    #: A question's chance is the product over all its skills and every skill moves after an
    #: answer, so the model reads the skill lists itself rather than one row per skill.
    reads_skill_lists = True
    #: Its chances already carry a fitted guessing floor and slip, and its mastery must reach the
    #: product's threshold within eight right answers (``with_mastery_reach``): no temperature.
    calibrates = False
    needs_torch = False
    config: SkillEloConfig

    def __init__(self, config: SkillEloConfig | None = None) -> None:
        super().__init__(config)
        self.skill_offset: dict[str, float] = {}
        self.item_offset: dict[str, float] = {}
        #: Author's descriptions of the questions seen in training (difficulty, skills), if given.
        self.catalogue: dict[str, ItemInfo] = {}
        #: Author features of each skill known: (mean author difficulty of its questions or NaN, prerequisites).
        self.skill_features: dict[str, tuple[float, float]] = {}

    @property
    def uses_time(self) -> bool:
        return self.config.forget_days > 0

    def set_catalogue(self, catalogue: Mapping[str, ItemInfo],
                      prerequisites: Mapping[str, Sequence[str]] | None = None) -> SkillEloModel:
        """The author's description of a course: its questions (difficulty, every skill, type) and,
        optionally, each skill's prerequisites. Questions and skills already known are kept unless
        described again; the skills' author features (the prior of a skill never answered) follow."""
        self.catalogue.update({str(k): v for k, v in catalogue.items()})
        ratings: dict[str, list[float]] = {}
        for info in self.catalogue.values():
            for s in info.skills:
                if info.difficulty is not None and math.isfinite(info.difficulty):
                    ratings.setdefault(str(s), []).append(float(info.difficulty))
                else:
                    ratings.setdefault(str(s), [])
        counts = {str(k): float(len(set(v))) for k, v in (prerequisites or {}).items()}
        for s in set(ratings) | set(counts) | set(self.skill_features):
            old_mean, old_count = self.skill_features.get(s, (math.nan, 0.0))
            values = ratings.get(s)
            mean = float(np.mean(values)) if values else old_mean
            self.skill_features[s] = (mean, counts.get(s, old_count))
        return self

    # ----- the belief of one skill -------------------------------------------------------------
    def feature_prior(self, skill: str) -> float:
        """The prior mean of ``skill`` from what the author says of it alone (no answers)."""
        cfg = self.config
        mean, prerequisites = self.skill_features.get(skill, (math.nan, 0.0))
        value = cfg.prior_mean + cfg.prior_prerequisite_weight * prerequisites
        if math.isfinite(mean):
            value += cfg.prior_difficulty_weight * (mean - 3.0)
        return value

    def skill_prior(self, skill: str) -> float:
        return self.feature_prior(skill) + self.skill_offset.get(skill, 0.0)

    def _belief(self, state: State, skill: str, at: float) -> tuple[float, float]:
        """(mu, var) of ``skill`` at time ``at`` (forgetting since its last answer applied)."""
        row = state.get("s:" + skill)
        prior = self.skill_prior(skill)
        if row is None:
            return prior, self.config.prior_var
        mu, var, last = float(row[0]), float(row[1]), float(row[2])
        tau = self.config.forget_days
        if tau > 0 and math.isfinite(at) and math.isfinite(last) and at > last:
            keep = math.exp(-(at - last) / _DAY / tau)
            mu = prior + (mu - prior) * keep
            var = self.config.prior_var - (self.config.prior_var - var) * keep
        return mu, var

    def difficulty(self, item: str, info: ItemInfo | None) -> float:
        """The question's difficulty in logits: the author's rating and the learnt offset."""
        rating = info.difficulty if info is not None and info.difficulty is not None else None
        if rating is None:
            known = self.catalogue.get(item)
            rating = known.difficulty if known is not None else None
        base = self.config.difficulty_step * (float(rating) - 3.0) if rating is not None and math.isfinite(rating) else 0.0
        return base + self.item_offset.get(item, 0.0)

    def _skills_of(self, item: str, skill: RawId | None, info: ItemInfo | None) -> list[str]:
        if info is not None and info.skills:
            return [str(s) for s in info.skills]
        if skill is not None:
            return [str(skill)]
        known = self.catalogue.get(item)
        if known is not None and known.skills:
            return [str(s) for s in known.skills]
        index = self.item_vocab.index(item)
        if index >= 0 and self.item_skill[index] >= 0:
            return [self.skill_vocab.tokens[int(self.item_skill[index])]]
        return ["?" + item]  # a question of no known skill: its own slot, never another skill's

    def _kind_of(self, item: str, info: ItemInfo | None) -> str:
        if info is not None and info.kind:
            return info.kind
        known = self.catalogue.get(item)
        return known.kind if known is not None else ""

    # ----- online use ---------------------------------------------------------------------------
    def init_state(self) -> State:
        return {}

    def update(self, state: State, item: RawId, correct: bool | int, skill: RawId | None = None,
               at: Moment = None, *, info: ItemInfo | None = None) -> State:
        item = str(item)
        t = seconds(at)
        b = self.difficulty(item, info)
        y = 1 if correct else 0
        cfg = self.config
        g = cfg.floor(self._kind_of(item, info))
        span = 1 - g - cfg.slip
        new = dict(state)
        for s in self._skills_of(item, skill, info):
            mu, var = self._belief(state, s, t)
            p = _sigmoid(mu - b)
            pg = g + span * p
            slope = span * p * (1 - p)
            grad = slope / max(pg, 1e-9) if y else -slope / max(1 - pg, 1e-9)
            info_ = slope * slope / max(pg * (1 - pg), 1e-12)
            var_post = 1.0 / (1.0 / var + info_)
            mu = mu + var_post * grad + (cfg.practice_gain if y else 0.0)
            old = state.get("s:" + s)
            count = (float(old[3]) if old is not None else 0.0) + 1
            new["s:" + s] = np.array([mu, var_post + cfg.drift, t, count], dtype=np.float64)
        return new

    def predict(self, state: State, items: Sequence[RawId], skills: Sequence[RawId | None] | None = None,
                at: Moment = None, *, infos: Sequence[ItemInfo | None] | None = None) -> np.ndarray:
        t = seconds(at)
        if infos is not None and len(infos) != len(items):
            raise ValueError("items and infos must have the same length")
        if skills is not None and len(skills) != len(items):
            raise ValueError("items and skills must have the same length")
        cfg = self.config
        out = np.empty(len(items), dtype=np.float64)
        for n, raw in enumerate(items):
            item = str(raw)
            info = infos[n] if infos is not None else None
            b = self.difficulty(item, info)
            chance = 1.0
            for s in self._skills_of(item, skills[n] if skills is not None else None, info):
                mu, var = self._belief(state, s, t)
                chance *= _sigmoid((mu - b) / math.sqrt(1 + _PI_8 * var))
            g = cfg.floor(self._kind_of(item, info))
            out[n] = g + (1 - g - cfg.slip) * chance
        return out

    def mastery(self, state: State, skill: RawId, at: Moment = None) -> float:
        """The chance of answering a typical (medium) question of ``skill``, from the point estimate,
        guessing and slips included: on the scale of the answers it predicts, so a learner who still
        slips one answer in ten is not shown as certain to get every question right."""
        mu, _ = self._belief(state, str(skill), seconds(at))
        g = self.config.guess
        return g + (1 - g - self.config.slip) * _sigmoid(mu)

    def predict_skill(self, state: State, skill: RawId, at: Moment = None) -> float:
        return self.mastery(state, skill, at)

    def predict_skills(self, state: State, skills: Sequence[RawId], at: Moment = None) -> np.ndarray:
        return np.array([self.mastery(state, s, at) for s in skills], dtype=np.float64)

    # The dense interface, for the trainer's and evaluator's generic paths.
    def _update(self, state: State, item: int, skill: int, correct: int, at: float = math.nan) -> State:
        raw_item = self.item_vocab.tokens[item] if item >= 0 else "?"
        raw_skill = self.skill_vocab.tokens[skill] if skill >= 0 else None
        return self.update(state, raw_item, correct, raw_skill, at)

    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray, at: float = math.nan) -> np.ndarray:
        raw_items = [self.item_vocab.tokens[i] if i >= 0 else "?" for i in items]
        raw_skills = [self.skill_vocab.tokens[s] if s >= 0 else None for s in skills]
        return self.predict(state, raw_items, raw_skills, at)

    def predict_sequences(self, log: ResponseLog) -> np.ndarray:
        items = log.item_vocab.decode(log.item) if len(log) else []
        skills = log.skill_vocab.decode(log.skill) if len(log) else []
        return self._replay(items, skills, log.correct, log.timestamp, log.learner_bounds(), _skill_lists(log))

    def _replay(self, items: Sequence[str], skills: Sequence[str], correct: np.ndarray, timestamp: np.ndarray,
                bounds: np.ndarray, skill_lists: Mapping[int, ItemInfo] | None = None) -> np.ndarray:
        """Predict then update, answer by answer; ``skill_lists`` describes the rows whose question
        has several skills in the log (the catalogue, when it knows the question, comes first)."""
        listed = skill_lists or {}
        out = np.empty(len(items), dtype=np.float64)
        for start, stop in itertools.pairwise(bounds):
            state = self.init_state()
            for t in range(int(start), int(stop)):
                info = self.catalogue.get(items[t]) or listed.get(t)
                out[t] = self.predict(state, [items[t]], [skills[t]] if info is None else None, float(timestamp[t]),
                                      infos=[info])[0]
                state = self.update(state, items[t], int(correct[t]), skills[t] if info is None else None,
                                    float(timestamp[t]), info=info)
        return out

    def item_difficulty(self) -> np.ndarray:
        return np.array([self.difficulty(token, None) for token in self.item_vocab.tokens], dtype=np.float64)

    # ----- fitting ------------------------------------------------------------------------------
    def _fit(self, train_log: ResponseLog, valid_log: ResponseLog | None, *, seed: int,
             callbacks: Sequence[Any], progress: bool) -> None:
        cfg = self.config
        if cfg.search and valid_log is not None and len(valid_log) and train_log.n_learners >= MIN_TUNING_LEARNERS:
            # The search never reads the validation learners, which judge this model against the
            # others: it tunes on a share of the training learners (by a hash of each learner, so
            # the same ones however the log grows), fitted without them, then refits on them all.
            fitted, tuning = split_learners_stably(train_log, TUNE_FRACTION, salt=TUNE_SALT)
            self.fit_offsets(fitted, refit_prior_mean=True)
            self.config = self._search(tuning, seed)
            self.training_info["tuning_learners"] = tuning.n_learners
        self.fit_offsets(train_log, refit_prior_mean=True)
        self._run_single_epoch_callbacks(callbacks)

    def fit_offsets(self, log: ResponseLog, *, refit_prior_mean: bool = False) -> SkillEloModel:
        """Empirical Bayes, in closed form, on ``log`` (whose vocabularies must be the model's):
        each skill's offset from its learners' first attempts, and each question's offset against its
        skill's success after the author's rating, both shrunk toward zero by their pseudo-counts.

        With ``refit_prior_mean`` the population's first-attempt success replaces ``prior_mean``
        first (training from scratch); without it the prior stays (a learned initialisation).
        """
        cfg = self.config
        skills = np.asarray(log.skill)
        correct = np.asarray(log.correct, dtype=np.float64)
        # First attempt of each learner at each skill: the prior, and each skill's own offset.
        first = np.zeros(len(log), dtype=bool)
        seen: set[tuple[int, int]] = set()
        for n, (learner, skill) in enumerate(zip(log.learner.tolist(), skills.tolist())):
            if (learner, skill) not in seen:
                seen.add((learner, skill))
                first[n] = True
        if refit_prior_mean and first.any():
            rate = (correct[first].sum() + 1) / (first.sum() + 2)
            cfg = dataclasses.replace(cfg, prior_mean=_logit(rate))
        self.config = cfg
        self.skill_offset = {}
        for k, token in enumerate(log.skill_vocab.tokens):
            mask = first & (skills == k)
            n = int(mask.sum())
            if n:
                rate = (correct[mask].sum() + 0.5) / (n + 1)
                self.skill_offset[token] = (n / (n + cfg.skill_shrinkage)) * (_logit(rate) - self.feature_prior(token))
        # Each question's offset against its skill's success (after the author's rating), shrunk.
        self.item_offset = {}
        skill_rate = {k: (correct[skills == k].sum() + 0.5) / ((skills == k).sum() + 1) for k in np.unique(skills)}
        for i, token in enumerate(log.item_vocab.tokens):
            mask = log.item == i
            n = int(mask.sum())
            if not n:
                continue
            k = int(np.bincount(skills[mask]).argmax())
            rate = (correct[mask].sum() + 0.5) / (n + 1)
            residual = _logit(float(skill_rate[k])) - _logit(rate) - self.difficulty(token, None)
            self.item_offset[token] = (n / (n + cfg.item_shrinkage)) * residual
        return self

    def _search(self, valid_log: ResponseLog, seed: int, limit: int = 20000) -> SkillEloConfig:
        """The variance, drift and gain with the lowest log-loss on (up to ``limit`` answers of)
        ``valid_log``: tuning learners that the offsets were not fitted on (see ``_fit``)."""
        bounds = valid_log.learner_bounds()
        keep = int(np.searchsorted(bounds, min(limit, len(valid_log)), side="right"))
        bounds = bounds[: max(2, keep)]
        stop = int(bounds[-1])
        items = valid_log.item_vocab.decode(valid_log.item[:stop])
        skills = valid_log.skill_vocab.decode(valid_log.skill[:stop])
        correct, timestamp = valid_log.correct[:stop], valid_log.timestamp[:stop]
        listed = {row: info for row, info in _skill_lists(valid_log).items() if row < stop}
        best, best_loss = self.config, math.inf
        chosen = best
        for prior_var, drift, gain in itertools.product((0.5, 1.0, 2.0), (0.02, 0.1, 0.3), (0.0, 0.05, 0.15)):
            self.config = dataclasses.replace(best, prior_var=prior_var, drift=drift, practice_gain=gain)
            p = np.clip(self._replay(items, skills, correct, timestamp, bounds, listed), 1e-6, 1 - 1e-6)
            loss = float(-np.mean(correct * np.log(p) + (1 - correct) * np.log(1 - p)))
            if loss < best_loss:
                best_loss, chosen = loss, self.config
        self.training_info["search_logloss"] = best_loss
        return chosen

    # ----- checkpoints --------------------------------------------------------------------------
    def _weights(self) -> dict[str, torch.Tensor]:
        import torch  # only to write a checkpoint, which the trainer does; serving never needs it

        skills = list(self.skill_vocab.tokens)
        items = list(self.item_vocab.tokens)
        return {
            "skill_offset": torch.tensor([self.skill_offset.get(s, 0.0) for s in skills], dtype=torch.float64),
            "item_offset": torch.tensor([self.item_offset.get(i, 0.0) for i in items], dtype=torch.float64),
            "item_difficulty": torch.tensor(
                [_rating(self.catalogue.get(i)) for i in items], dtype=torch.float64),
            # The author's type of each question, as an index into the sorted types of guess_by_kind.
            "item_kind": torch.tensor([_kind_index(self.config, self.catalogue.get(i)) for i in items],
                                      dtype=torch.int64),
            "skill_mean_difficulty": torch.tensor(
                [self.skill_features.get(s, (math.nan, 0.0))[0] for s in skills], dtype=torch.float64),
            "skill_prerequisites": torch.tensor(
                [self.skill_features.get(s, (math.nan, 0.0))[1] for s in skills], dtype=torch.float64),
        }

    def _load_weights(self, weights: Mapping[str, Any]) -> None:
        """Restore the offsets, ratings and features (NumPy arrays or tensors: only ``tolist`` is used)."""
        skills = list(self.skill_vocab.tokens)
        items = list(self.item_vocab.tokens)
        self.skill_offset = {s: float(v) for s, v in zip(skills, weights["skill_offset"].tolist()) if v != 0.0}
        self.item_offset = {i: float(v) for i, v in zip(items, weights["item_offset"].tolist()) if v != 0.0}
        ratings = weights.get("item_difficulty")
        if ratings is not None:
            skill_of = self.item_skill
            kinds = sorted(self.config.guess_by_kind)
            kind_index = weights.get("item_kind")
            kind_list = kind_index.tolist() if kind_index is not None else [-1] * len(items)
            self.catalogue = {
                item: ItemInfo((skills[int(skill_of[n])],) if n < len(skill_of) and skill_of[n] >= 0 else (),
                               None if math.isnan(r) else r, kinds[k] if 0 <= k < len(kinds) else "")
                for n, (item, r, k) in enumerate(zip(items, ratings.tolist(), kind_list))
            }
        means, counts = weights.get("skill_mean_difficulty"), weights.get("skill_prerequisites")
        if means is not None and counts is not None:
            self.skill_features = {s: (float(m), float(c)) for s, m, c in zip(skills, means.tolist(), counts.tolist())}


def _skill_lists(log: ResponseLog) -> dict[int, ItemInfo]:
    """Row → the skills of its question, for the rows of ``log`` whose question has several."""
    rows = np.unique(log.extra_row).tolist() if log.has_extra_skills else []
    return {row: ItemInfo(skills=tuple(log.skill_vocab.decode(log.skills_of(row)))) for row in rows}


def _kind_index(config: SkillEloConfig, info: ItemInfo | None) -> int:
    kinds = sorted(config.guess_by_kind)
    return kinds.index(info.kind) if info is not None and info.kind in kinds else -1


def _rating(info: ItemInfo | None) -> float:
    if info is None or info.difficulty is None:
        return math.nan
    return float(info.difficulty)


def answers_to_mastery(config: SkillEloConfig, target: float = 0.85, limit: int = 50) -> int:
    """Right answers on medium questions a new learner needs before the mastery of a skill with the
    plain prior (``prior_mean``: no author features, no offset) reaches ``target``; ``limit + 1``
    when it never does within ``limit``."""
    model = SkillEloModel(dataclasses.replace(config, forget_days=0.0))
    state = model.init_state()
    info = ItemInfo(("skill",), 3.0, "")
    for n in range(1, limit + 1):
        state = model.update(state, "question", 1, info=info)
        if model.mastery(state, "skill") >= target:
            return n
    return limit + 1


def with_mastery_reach(config: SkillEloConfig, answers: int = 8, target: float = 0.85) -> SkillEloConfig:
    """``config``, with ``practice_gain`` raised just enough (when needed) that a new learner answering
    a skill's medium questions right reaches mastery ``target`` within ``answers`` answers. Applied to
    every learned configuration (``adaptive.core.meta``), so none trades this promise for fit. Mastery
    tops out at ``1 - slip``, so a slip that leaves less than 0.03 above ``target`` is lowered first."""
    ceiling_room = 0.03
    if config.slip > 1 - target - ceiling_room:
        config = dataclasses.replace(config, slip=max(0.0, 1 - target - ceiling_room))
    if answers_to_mastery(config, target) <= answers:
        return config
    low, high = config.practice_gain, max(config.practice_gain, 0.05)
    while answers_to_mastery(dataclasses.replace(config, practice_gain=high), target) > answers:
        low, high = high, high * 2
    for _ in range(30):
        middle = (low + high) / 2
        if answers_to_mastery(dataclasses.replace(config, practice_gain=middle), target) <= answers:
            high = middle
        else:
            low = middle
    return dataclasses.replace(config, practice_gain=high)
