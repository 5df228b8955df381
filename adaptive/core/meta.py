"""The meta-learned prior of ``skill_elo``: a learned initialisation, and fast adaptation to a course.

``skill_elo`` (``adaptive.core.learners.skill_elo``) is a closed-form filter with a handful of
population parameters (the prior, its variance, drift, practice gain, the weight of the author's
difficulty, guessing floors per question type, the slip ceiling, and how a skill's author features
move its prior). This module

* replays that filter in torch, differentiably, over batches of learner sequences
  (:func:`sequence_probabilities`; it agrees with the online numpy model to float precision);
* meta-trains the population parameters across many tasks (courses and data sets) with Reptile
  (Nichol, Achiam and Schulman, "On first-order meta-learning algorithms", 2018): for each task, a
  few Adam steps from the shared parameters on that task's learners, then the shared parameters move
  part of the way toward the adapted ones (:func:`meta_train`);
* adapts the shared initialisation to one course's own answers (:func:`adapt`): a few gradient
  steps on the population parameters, pulled toward the initialisation, and the closed-form shrunk
  per-skill and per-question offsets of ``skill_elo``.

Every parameter goes through a transform (softplus, a scaled sigmoid) that keeps it where the
model's invariants hold: variances and gains non-negative, guessing floors below 0.45, the slip below
0.3. A right answer therefore never lowers a skill's mastery and a wrong one never raises it for any
learned value, and :func:`adaptive.core.learners.skill_elo.with_mastery_reach` is applied to every
result, so a new learner answering right still reaches mastery within eight answers.

No Django, no Celery: the build command (``adaptive/meta_prior.py``) makes the tasks.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from adaptive.core.data import ResponseLog
from adaptive.core.learners.base import ItemInfo
from adaptive.core.learners.skill_elo import SkillEloConfig, SkillEloModel, with_mastery_reach

if TYPE_CHECKING:  # imported where used: the product imports this module, and only training needs torch
    import torch

#: Question types that get their own guessing floor (the product's question types).
KINDS = ("true_false", "single_choice", "multiple_choice", "numeric", "short_text")
_GUESS_MAX = 0.45
_SLIP_MAX = 0.3
_FLOOR = 1e-4
_PI_8 = math.pi / 8.0
#: The learned parameters, in the order of the parameter vector.
PARAMETERS = ("prior_mean", "prior_var", "drift", "practice_gain", "difficulty_step", "guess",
              *(f"guess:{k}" for k in KINDS), "slip", "prior_difficulty_weight", "prior_prerequisite_weight")


def _inv_softplus(y: float) -> float:
    y = max(float(y), _FLOOR)
    return y + math.log(-math.expm1(-y))


def _inv_scaled_sigmoid(y: float, top: float) -> float:
    q = min(max(float(y) / top, _FLOOR), 1 - _FLOOR)
    return math.log(q / (1 - q))


def config_to_vector(config: SkillEloConfig) -> torch.Tensor:
    """The unconstrained parameter vector whose transform gives ``config``'s learned fields."""
    import torch

    values = {
        "prior_mean": config.prior_mean,
        "prior_var": _inv_softplus(config.prior_var - 1e-3),
        "drift": _inv_softplus(config.drift),
        "practice_gain": _inv_softplus(config.practice_gain),
        "difficulty_step": _inv_softplus(config.difficulty_step),
        "guess": _inv_scaled_sigmoid(config.guess, _GUESS_MAX),
        **{f"guess:{k}": _inv_scaled_sigmoid(config.floor(k), _GUESS_MAX) for k in KINDS},
        "slip": _inv_scaled_sigmoid(config.slip, _SLIP_MAX),
        "prior_difficulty_weight": config.prior_difficulty_weight,
        "prior_prerequisite_weight": config.prior_prerequisite_weight,
    }
    return torch.tensor([values[name] for name in PARAMETERS], dtype=torch.float64)


def constrained(vector: torch.Tensor) -> dict[str, torch.Tensor]:
    """The model's parameters from the unconstrained vector (differentiable)."""
    import torch

    raw = dict(zip(PARAMETERS, vector.unbind()))
    sp = torch.nn.functional.softplus
    return {
        "prior_mean": raw["prior_mean"],
        "prior_var": sp(raw["prior_var"]) + 1e-3,
        "drift": sp(raw["drift"]),
        "practice_gain": sp(raw["practice_gain"]),
        "difficulty_step": sp(raw["difficulty_step"]),
        # Floor of a question of no listed type first, then one per type of KINDS.
        "guess": _GUESS_MAX * torch.sigmoid(torch.stack([raw["guess"], *(raw[f"guess:{k}"] for k in KINDS)])),
        "slip": _SLIP_MAX * torch.sigmoid(raw["slip"]),
        "prior_difficulty_weight": raw["prior_difficulty_weight"],
        "prior_prerequisite_weight": raw["prior_prerequisite_weight"],
    }


def exact_values(config: SkillEloConfig) -> dict[str, torch.Tensor]:
    """``config``'s learned fields as the tensors :func:`constrained` returns, without the transforms'
    round trip (for checking the replica against the numpy model exactly)."""
    import torch

    def t(v: float) -> torch.Tensor:
        return torch.tensor(float(v), dtype=torch.float64)

    return {
        "prior_mean": t(config.prior_mean), "prior_var": t(config.prior_var), "drift": t(config.drift),
        "practice_gain": t(config.practice_gain), "difficulty_step": t(config.difficulty_step),
        "guess": torch.tensor([config.guess, *(config.floor(k) for k in KINDS)], dtype=torch.float64),
        "slip": t(config.slip), "prior_difficulty_weight": t(config.prior_difficulty_weight),
        "prior_prerequisite_weight": t(config.prior_prerequisite_weight),
    }


def vector_to_config(vector: torch.Tensor, base: SkillEloConfig) -> SkillEloConfig:
    """``base`` with its learned fields set from ``vector`` (and the mastery reach enforced)."""
    values = {k: v.detach() for k, v in constrained(vector.detach()).items()}
    guess = values["guess"].tolist()
    config = dataclasses.replace(
        base,
        prior_mean=float(values["prior_mean"]), prior_var=float(values["prior_var"]),
        drift=float(values["drift"]), practice_gain=float(values["practice_gain"]),
        difficulty_step=float(values["difficulty_step"]), guess=float(guess[0]),
        guess_by_kind={k: float(g) for k, g in zip(KINDS, guess[1:])}, slip=float(values["slip"]),
        prior_difficulty_weight=float(values["prior_difficulty_weight"]),
        prior_prerequisite_weight=float(values["prior_prerequisite_weight"]),
    )
    return with_mastery_reach(config)


# ----- a task as tensors ------------------------------------------------------------------------
@dataclass
class Task:
    """One course or data set: its answers, and what its author says of its questions and skills."""

    name: str
    log: ResponseLog
    catalogue: dict[str, ItemInfo] = field(default_factory=dict)
    prerequisites: dict[str, tuple[str, ...]] = field(default_factory=dict)
    family: str = ""  # tasks of one family (a data set, the simulated courses) weigh together


@dataclass
class Batch:
    """Padded learner sequences and the course's tables, in one task's dense indices."""

    item: torch.Tensor  # (B, T) dense item, -1 padding
    correct: torch.Tensor  # (B, T) 0/1 as float
    item_skills: torch.Tensor  # (I, K) dense skills of each item, -1 padding
    item_rating: torch.Tensor  # (I,) author difficulty, NaN unknown
    item_kind: torch.Tensor  # (I,) index into KINDS, -1 none
    skill_mean_difficulty: torch.Tensor  # (S,) NaN unknown
    skill_prerequisites: torch.Tensor  # (S,)
    n_skills: int


def model_for(task: Task, init: SkillEloModel) -> SkillEloModel:
    """A copy of ``init`` that knows ``task``'s vocabularies and author descriptions."""
    model = copy.deepcopy(init)
    model._adopt_vocabularies(task.log)
    model.set_catalogue(task.catalogue, task.prerequisites)
    return model


def task_tables(model: SkillEloModel, log: ResponseLog) -> tuple[list[list[int]], list[str]]:
    """Each item's skills (as ``skill_elo`` replays it) and the skill list they index."""
    items = log.item_vocab.tokens
    skill_names: list[str] = list(log.skill_vocab.tokens)
    index = {s: n for n, s in enumerate(skill_names)}
    # An item's skills as the numpy replay reads them: the author's when described, else the log's.
    owner = np.full(len(items), -1, dtype=np.int64)
    owner[log.item] = log.skill
    rows: list[list[int]] = []
    for n, token in enumerate(items):
        info = model.catalogue.get(token)
        names = [str(s) for s in info.skills] if info is not None and info.skills else [skill_names[int(owner[n])]]
        row: list[int] = []
        for s in dict.fromkeys(names):
            if s not in index:
                index[s] = len(skill_names)
                skill_names.append(s)
            row.append(index[s])
        rows.append(row)
    return rows, skill_names


def make_batch(model: SkillEloModel, log: ResponseLog, window: int = 150) -> Batch:
    """``log``'s learners as padded sequences of their first ``window`` answers, with the tables."""
    import torch

    rows, skill_names = task_tables(model, log)
    bounds = log.learner_bounds()
    lengths = np.minimum(np.diff(bounds), window)
    width = int(lengths.max()) if len(lengths) else 0
    item = np.full((len(lengths), width), -1, dtype=np.int64)
    correct = np.zeros((len(lengths), width), dtype=np.float64)
    for n, (start, length) in enumerate(zip(bounds[:-1], lengths)):
        item[n, :length] = log.item[start : start + length]
        correct[n, :length] = log.correct[start : start + length]
    k = max((len(r) for r in rows), default=1)
    item_skills = np.full((max(len(rows), 1), k), -1, dtype=np.int64)
    for n, r in enumerate(rows):
        item_skills[n, : len(r)] = r
    ratings, kinds = [], []
    for token in log.item_vocab.tokens:
        info = model.catalogue.get(token)
        ratings.append(info.difficulty if info is not None and info.difficulty is not None else math.nan)
        kinds.append(KINDS.index(info.kind) if info is not None and info.kind in KINDS else -1)
    features = [model.skill_features.get(s, (math.nan, 0.0)) for s in skill_names]
    return Batch(
        item=torch.from_numpy(item), correct=torch.from_numpy(correct), item_skills=torch.from_numpy(item_skills),
        item_rating=torch.tensor(ratings or [math.nan], dtype=torch.float64),
        item_kind=torch.tensor(kinds or [-1], dtype=torch.int64),
        skill_mean_difficulty=torch.tensor([f[0] for f in features], dtype=torch.float64),
        skill_prerequisites=torch.tensor([f[1] for f in features], dtype=torch.float64),
        n_skills=len(skill_names),
    )


def offsets_as_tensors(model: SkillEloModel, log: ResponseLog, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
    """``model``'s per-item and per-skill offsets in ``batch``'s indices (zero where it has none)."""
    import torch

    item_offset = torch.tensor([model.item_offset.get(t, 0.0) for t in log.item_vocab.tokens] or [0.0],
                               dtype=torch.float64)
    _, skill_names = task_tables(model, log)
    skill_offset = torch.tensor([model.skill_offset.get(s, 0.0) for s in skill_names], dtype=torch.float64)
    return item_offset, skill_offset


def sequence_probabilities(values: Mapping[str, torch.Tensor], batch: Batch, item_offset: torch.Tensor,
                           skill_offset: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
    """P(correct) of every answer of ``batch`` (B, T) from the learner's earlier answers only: the
    ``skill_elo`` filter (no forgetting) replayed with per-(learner, skill) beliefs, differentiably
    in ``values`` (as :func:`constrained` returns them). ``rows`` picks a subset of learners."""
    import torch

    item = batch.item if rows is None else batch.item[rows]
    correct = batch.correct if rows is None else batch.correct[rows]
    n, width = item.shape
    s = batch.n_skills
    rated = torch.isfinite(batch.item_rating)
    difficulty = torch.where(rated, values["difficulty_step"] * (torch.nan_to_num(batch.item_rating) - 3.0),
                             torch.zeros_like(batch.item_rating)) + item_offset
    floor = values["guess"][batch.item_kind + 1]
    known = torch.isfinite(batch.skill_mean_difficulty)
    prior = (values["prior_mean"] + values["prior_prerequisite_weight"] * batch.skill_prerequisites
             + torch.where(known, values["prior_difficulty_weight"] * (torch.nan_to_num(batch.skill_mean_difficulty) - 3.0),
                           torch.zeros_like(batch.skill_mean_difficulty)) + skill_offset)
    # One extra column absorbs the writes of padded skill slots.
    mu = torch.cat([prior, prior.new_zeros(1)]).expand(n, s + 1)
    var = values["prior_var"].expand(n, s + 1)
    slip, gain, drift = values["slip"], values["practice_gain"], values["drift"]
    out = []
    for t in range(width):
        it = item[:, t]
        live = it >= 0
        itc = it.clamp(min=0)
        skills = batch.item_skills[itc]
        used = (skills >= 0) & live[:, None]
        cols = torch.where(used, skills, torch.full_like(skills, s))
        b = difficulty[itc][:, None]
        g = floor[itc][:, None]
        span = 1 - g - slip
        mu_k, var_k = mu.gather(1, cols), var.gather(1, cols)
        chance = torch.where(used, torch.sigmoid((mu_k - b) / torch.sqrt(1 + _PI_8 * var_k)), torch.ones_like(mu_k))
        out.append(g[:, 0] + span[:, 0] * chance.prod(dim=1))
        y = correct[:, t][:, None]
        p = torch.sigmoid(mu_k - b)
        pg = g + span * p
        slope = span * p * (1 - p)
        grad = torch.where(y > 0, slope / pg.clamp(min=1e-9), -slope / (1 - pg).clamp(min=1e-9))
        fisher = slope * slope / (pg * (1 - pg)).clamp(min=1e-12)
        var_post = 1.0 / (1.0 / var_k + fisher)
        mu_new = mu_k + var_post * grad + gain * y
        mu = mu.scatter(1, cols, torch.where(used, mu_new, mu_k))
        var = var.scatter(1, cols, torch.where(used, var_post + drift, var_k))
    return torch.stack(out, dim=1) if out else item.new_zeros((n, 0), dtype=torch.float64)


def sequence_loss(values: Mapping[str, torch.Tensor], batch: Batch, item_offset: torch.Tensor,
                  skill_offset: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
    """Mean log-loss of :func:`sequence_probabilities` over the real (unpadded) answers."""
    import torch

    p = sequence_probabilities(values, batch, item_offset, skill_offset, rows).clamp(1e-6, 1 - 1e-6)
    item = batch.item if rows is None else batch.item[rows]
    y = batch.correct if rows is None else batch.correct[rows]
    live = (item >= 0).to(p.dtype)
    loss = -(y * torch.log(p) + (1 - y) * torch.log(1 - p))
    return (loss * live).sum() / live.sum().clamp(min=1.0)


# ----- adaptation and meta-training -------------------------------------------------------------
def _halves(log: ResponseLog, rng: random.Random) -> tuple[ResponseLog, ResponseLog] | None:
    learners = sorted(set(log.learner.tolist()))
    if len(learners) < 2:
        return None
    rng.shuffle(learners)
    half = len(learners) // 2
    return log.subset_learners(sorted(learners[:half])), log.subset_learners(sorted(learners[half:]))


def _fold(model: SkillEloModel, fit_on: ResponseLog, score_on: ResponseLog,
          window: int) -> tuple[Batch, torch.Tensor, torch.Tensor]:
    """``score_on`` as a batch, with the closed-form offsets fitted on the other learners ``fit_on``."""
    fitted = copy.deepcopy(model).fit_offsets(fit_on)
    batch = make_batch(model, score_on, window)
    item_offset, skill_offset = offsets_as_tensors(fitted, score_on, batch)
    return batch, item_offset, skill_offset


def adapt(init_model: SkillEloModel, log: ResponseLog, catalogue: Mapping[str, ItemInfo] | None = None,
          steps: int = 30, *, prerequisites: Mapping[str, Sequence[str]] | None = None,
          lr: float = 0.1, anchor: float = 0.01, window: int = 150, seed: int = 0) -> SkillEloModel:
    """The fast per-course adaptation: a new ``skill_elo`` model for the course whose answers are
    ``log``, starting from ``init_model`` (the shipped initialisation; it is not modified).

    ``catalogue`` (question id -> :class:`ItemInfo`) and ``prerequisites`` (skill -> its
    prerequisites) describe the course as its author did. With no answers the result is the
    initialisation reading the author's description. Otherwise, ``steps`` Adam steps move the
    population parameters, each step's loss summed over two halves of the learners where each half
    is predicted with the per-skill and per-question offsets fitted on the other (so the offsets never
    grade their own answers), plus ``anchor`` times the squared distance to the initialisation,
    weighed down as answers accumulate; then the offsets are fitted in closed form on all of ``log``.
    """
    import torch

    rng = random.Random(seed)
    model = copy.deepcopy(init_model)
    model.set_catalogue(catalogue or {}, prerequisites)
    model._adopt_vocabularies(log)
    model.skill_offset, model.item_offset = {}, {}
    if len(log) == 0:
        return model
    halves = _halves(log, rng)
    if halves is not None and steps > 0:
        folds = [_fold(model, halves[0], halves[1], window), _fold(model, halves[1], halves[0], window)]
        start = config_to_vector(model.config)
        vector = start.clone().requires_grad_(True)
        optimiser = torch.optim.Adam([vector], lr=lr)
        weight = anchor * 1000.0 / (1000.0 + len(log))
        for _ in range(steps):
            optimiser.zero_grad()
            values = constrained(vector)
            loss = sum(sequence_loss(values, *fold) for fold in folds) / 2
            loss = loss + weight * ((vector - start) ** 2).sum()
            loss.backward()
            optimiser.step()
        model.config = vector_to_config(vector, model.config)
    model.fit_offsets(log)
    model.training_info.update({"adapted_on": len(log), "adapt_steps": steps})
    return model


@dataclass
class MetaConfig:
    """Reptile's settings."""

    outer_steps: int = 200
    inner_steps: int = 5
    inner_lr: float = 0.05
    outer_lr: float = 0.5  # share of the way toward the adapted parameters, decayed linearly to 10% of it
    learners_per_step: int = 64
    window: int = 300
    support_answers: tuple[int, ...] = (0, 100, 1000)  # answers seen before adapting, drawn per step


def meta_train(tasks: Sequence[Task], init: SkillEloModel | None = None, config: MetaConfig | None = None,
               seed: int = 0, progress: Callable[[int, float], None] | None = None) -> SkillEloModel:
    """Reptile over ``tasks``: the shared initialisation of ``skill_elo``'s population parameters.

    Each outer step draws a family of tasks (each family as often as the others, however many
    tasks it has), a task of it and a number of answers already seen (``support_answers``); the
    per-skill and per-question offsets are fitted on that many answers of some of its learners
    (none for 0), ``inner_steps`` Adam steps from the shared parameters fit the task's other
    learners, and the shared parameters move ``outer_lr`` of the way toward the adapted ones.
    ``progress(step, loss)`` is called after each outer step. Reproducible given ``seed``.
    """
    import torch

    config = config or MetaConfig()
    rng = random.Random(seed)
    torch.manual_seed(seed)
    # Start away from the transforms' flat ends, where the guessing floors and slip would not move.
    init = init if init is not None else SkillEloModel(SkillEloConfig(search=False, guess=0.1, slip=0.05))
    shared = config_to_vector(init.config)
    families: dict[str, list[tuple[Task, SkillEloModel, list[int]]]] = {}
    for task in tasks:
        model = model_for(task, init)
        learners = sorted(set(task.log.learner.tolist()))
        families.setdefault(task.family, []).append((task, model, learners))
    names = sorted(families)
    for step in range(config.outer_steps):
        family = families[names[rng.randrange(len(names))]]
        task, model, learners = family[rng.randrange(len(family))]
        order = learners[:]
        rng.shuffle(order)
        seen = rng.choice(config.support_answers)
        support: list[int] = []
        if seen:
            counted = 0
            log = task.log
            sizes = dict(zip(*np.unique(log.learner, return_counts=True)))
            for learner in order[: len(order) // 2]:
                support.append(learner)
                counted += int(sizes[learner])
                if counted >= seen:
                    break
        query = [x for x in order if x not in set(support)][: config.learners_per_step]
        if not query:
            continue
        query_log = task.log.subset_learners(sorted(query))
        model.config = vector_to_config(shared, model.config)
        if support:
            fitted = copy.deepcopy(model).fit_offsets(task.log.subset_learners(sorted(support)))
        else:
            fitted = copy.deepcopy(model)
            fitted.skill_offset, fitted.item_offset = {}, {}
        batch = make_batch(model, query_log, config.window)
        item_offset, skill_offset = offsets_as_tensors(fitted, query_log, batch)
        vector = shared.clone().requires_grad_(True)
        optimiser = torch.optim.Adam([vector], lr=config.inner_lr)
        loss_value = math.nan
        for _ in range(config.inner_steps):
            optimiser.zero_grad()
            loss = sequence_loss(constrained(vector), batch, item_offset, skill_offset)
            loss.backward()
            optimiser.step()
            loss_value = float(loss.detach())
        rate = config.outer_lr * (1 - 0.9 * step / max(1, config.outer_steps - 1))
        shared = shared + rate * (vector.detach() - shared)
        if progress is not None:
            progress(step, loss_value)
    result = SkillEloModel(vector_to_config(shared, init.config))
    result.training_info = {"meta_tasks": [t.name for t in tasks], "meta": dataclasses.asdict(config),
                            "seed": seed}
    return result
