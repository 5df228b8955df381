"""Learner models trained by gradient descent across learners: each adapts to a new learner from
its first answers with no refitting, and what training learns is how to adapt.

* ``gru`` (formerly ``rl2``): deep knowledge tracing (Piech et al., "Deep knowledge tracing",
  NeurIPS 2015) with a GRU. The recurrent state reads the learner's answers one by one and *is* the
  learner state; its starting value is learnt, the prior for a learner with no answers. Adapting in
  context, with no gradient step at use time, is the idea RL² (Duan et al., 2016) and every DKT share.
* ``gru_pfa`` (formerly ``hybrid``): the same GRU, also fed per-skill practice history (attempt and
  success counts, the last three outcomes on the skill, how many answers and how many days ago),
  whose output corrects the logit of a frozen performance factors analysis model (PFA; Pavlik, Cen
  and Koedinger, 2009), plus, for a learner's very first answer, the item's first-answer success
  rate shrunk toward PFA's estimate (empirical Bayes). The counts are exact long-term memory the GRU
  would otherwise have to squeeze into its hidden state; the days let it predict forgetting.
* ``bayes_mirt`` (formerly ``maml``): multidimensional item response theory (Reckase, 2009) with a
  3PL guessing floor, whose per-learner ability vector and per-skill offsets are a Gaussian belief
  updated after every answer in closed form. By default that update is an assumed-density filter
  (the exact posterior after one answer, by Gauss-Hermite quadrature, projected back to a Gaussian
  along the logit, as in a Kalman filter; Minka, 2001) and predictions average over the belief.
  The prior, the item parameters and the drift are learnt by differentiating through the unrolled
  filter over training learners, which is the meta-learning idea of MAML (Finn, Abbeel and Levine,
  2017) with a Bayesian inner loop instead of a gradient step. Options keep the earlier inner loops:
  ``moment_matching=False`` takes one curvature-preconditioned gradient step (a Laplace / extended
  Kalman step), and ``preconditioned=False`` one plain gradient step with meta-learnt step sizes
  that shrink with the answers (Meta-SGD; Li et al., 2017).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import betaln
from torch import nn
from torch.func import grad, vmap

from adaptive.core.data import ResponseLog, group_index_matrix
from adaptive.core.features import N_HISTORY_FEATURES, HistoryState, history_features
from adaptive.core.learners.base import LearnerModel, State, register
from adaptive.core.learners.baselines import PFAModel
from adaptive.core.train import Trainer, seed_everything

if TYPE_CHECKING:
    from adaptive.core.train import Callback


@dataclass
class SequenceBatch:
    """Padded windows of responses; ``loss_mask`` marks the positions that count in the loss."""

    items: torch.Tensor  # (B, T) dense, unknown = n_items
    skills: torch.Tensor  # (B, T) dense, unknown = n_skills
    correct: torch.Tensor  # (B, T) float 0/1
    features: torch.Tensor  # (B, T, F)
    mask: torch.Tensor  # (B, T) bool, real responses
    loss_mask: torch.Tensor  # (B, T) bool
    position: torch.Tensor  # (B, T) position of the response in the learner's whole sequence


#: The network a torch model builds (GRUTracerNet, BayesMIRTNet).
NetT = TypeVar("NetT", bound=nn.Module)


class TorchLearnerModel(LearnerModel, Generic[NetT]):
    """Shared plumbing of the torch models: windows, batches, fitting through :class:`Trainer`."""

    #: Learners per batch when predicting whole sequences.
    evaluation_batch_size = 64

    def __init__(self, config: Any | None = None) -> None:
        super().__init__(config)
        self.net: NetT | None = None
        self._prepared: dict[int, dict[str, np.ndarray]] = {}

    @property
    def uses_history_features(self) -> bool:
        return False

    @property
    def n_history_features(self) -> int:
        """How many of the history features (from the first) the network reads."""
        return 0

    @property
    def module(self) -> NetT:
        assert self.net is not None, "model is not built"
        return self.net

    def _build(self) -> NetT:
        raise NotImplementedError

    def _after_build(self, net: NetT) -> None:
        """Hook to initialise a freshly built network from data before training."""

    def _prepare(self, log: ResponseLog) -> dict[str, np.ndarray]:
        """Dense columns (unknown mapped to the extra slot) and history features, once per log."""
        key = id(log)
        if key not in self._prepared:
            items, skills = self.dense_columns(log)
            prepared = {
                "items": np.where(items < 0, self.n_items, items),
                "skills": np.where(skills < 0, self.n_skills, skills),
                "correct": log.correct.astype(np.float32),
                "position": log.positions(),
                "scored": log.scored,
            }
            if self.uses_history_features:
                prepared["features"] = history_features(log.learner, skills, log.correct, self.n_skills,
                                                         log.timestamp)[:, : self.n_history_features]
            else:
                prepared["features"] = np.zeros((len(log), 0), dtype=np.float32)
            self._prepared = {key: prepared, **dict(list(self._prepared.items())[-2:])}
        return self._prepared[key]

    def _windows(self, log: ResponseLog) -> tuple[np.ndarray, np.ndarray]:
        """Index matrix of training windows (rows, -1 padded) and how many leading steps are burn-in.

        Long sequences are cut into overlapping windows; the first ``burn_in`` steps of every window
        but a sequence's first only warm up the state and do not count in the loss.
        """
        window, burn_in = self.config.window, self.config.burn_in
        stride = max(1, window - burn_in)
        rows: list[np.ndarray] = []
        burn: list[int] = []
        for seq in log.sequences():
            start, stop = seq.start, seq.stop
            offset = start
            while True:
                end = min(offset + window, stop)
                rows.append(np.arange(offset, end))
                burn.append(0 if offset == start else burn_in)
                if end >= stop:
                    break
                offset += stride
        matrix = np.full((len(rows), window), -1, dtype=np.int64)
        for r, index in enumerate(rows):
            matrix[r, : len(index)] = index
        return matrix, np.asarray(burn, dtype=np.int64)

    def _batch(self, prepared: dict[str, np.ndarray], index: np.ndarray, burn: np.ndarray | None = None) -> SequenceBatch:
        mask = index >= 0
        width = int(mask.sum(axis=1).max()) if len(index) else 0
        index, mask = index[:, :width], mask[:, :width]
        safe = np.maximum(index, 0)
        # Evidence-only rows (an answer traced on a further skill) update the state but are not
        # predictions of their own, so they never count in the loss.
        loss_mask = mask & prepared["scored"][safe]
        if burn is not None:
            loss_mask &= np.arange(width)[None, :] >= burn[:, None]
        device = self.device
        return SequenceBatch(
            items=torch.as_tensor(np.where(mask, prepared["items"][safe], self.n_items), device=device),
            skills=torch.as_tensor(np.where(mask, prepared["skills"][safe], self.n_skills), device=device),
            correct=torch.as_tensor(np.where(mask, prepared["correct"][safe], 0.0), dtype=torch.float32, device=device),
            features=torch.as_tensor(prepared["features"][safe] * mask[..., None], dtype=torch.float32, device=device),
            mask=torch.as_tensor(mask, device=device),
            loss_mask=torch.as_tensor(loss_mask, device=device),
            position=torch.as_tensor(np.where(mask, prepared["position"][safe], 0), device=device),
        )

    @property
    def training_batch_size(self) -> int:
        """Windows per training batch: ``cuda_batch_size`` on a CUDA device where the config has one
        (a GPU is only busy with large batches), else ``batch_size``."""
        on_cuda = getattr(self.config, "cuda_batch_size", 0) and self.device.type == "cuda"
        return int(self.config.cuda_batch_size) if on_cuda else int(self.config.batch_size)

    def training_batches(self, log: ResponseLog, rng: np.random.Generator) -> Iterator[SequenceBatch]:
        """Windows grouped by similar length (less padding), in random order each epoch."""
        prepared = self._prepare(log)
        cache_key = ("windows", id(log))
        if getattr(self, "_window_cache_key", None) != cache_key:
            self._window_cache = self._windows(log)
            self._window_cache_key = cache_key
        matrix, burn = self._window_cache
        lengths = (matrix >= 0).sum(axis=1)
        order = np.lexsort((rng.random(len(lengths)), lengths))
        size = self.training_batch_size
        batches = [order[i : i + size] for i in range(0, len(order), size)]
        for b in rng.permutation(len(batches)):
            rows = batches[b]
            yield self._batch(prepared, matrix[rows], burn[rows])

    def _fit(self, train_log: ResponseLog, valid_log: ResponseLog | None, *, seed: int,
             callbacks: Sequence[Callback], progress: bool) -> None:
        torch.set_num_threads(max(1, min(torch.get_num_threads(), self.config.num_threads)))
        seed_everything(seed)
        self.net = self._build()
        self._after_build(self.net)
        self.net.to(self.device)
        trainer = Trainer(
            max_epochs=self.config.max_epochs,
            learning_rate=self.config.learning_rate,
            weight_decay=self.config.weight_decay,
            gradient_clip=self.config.gradient_clip,
            average_epochs=getattr(self.config, "average_epochs", 0.0),
            mixed_precision=bool(getattr(self.config, "mixed_precision", False)),
            seed=seed,
            progress=progress,
        )
        logs = trainer.fit(self, train_log, callbacks)
        self._prepared.clear()
        self.__dict__.pop("_window_cache", None)
        self.__dict__.pop("_window_cache_key", None)
        self.training_info.update({k: float(v) for k, v in logs.items()})
        self.training_info["history"] = trainer.history
        self.module.eval()

    def _weights(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().cpu().clone() for k, v in self.module.state_dict().items()}

    def _load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        weights = self._upgrade_weights(weights)
        if self.net is None:
            self.net = self._build()
        self.net.load_state_dict(weights)
        self.net.to(self.device).eval()

    def _upgrade_weights(self, weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Hook for checkpoints saved before a config option existed: adjust the config to match."""
        return weights

    def _sequence_batches(self, log: ResponseLog, batch_size: int = 64) -> Iterator[tuple[np.ndarray, SequenceBatch]]:
        """Whole sequences (no windows), for evaluation that carries the state to the end."""
        prepared = self._prepare(log)
        matrix = group_index_matrix(log.learner)
        lengths = (matrix >= 0).sum(axis=1)
        order = np.argsort(lengths, kind="stable")
        for i in range(0, len(order), batch_size):
            rows = matrix[order[i : i + batch_size]]
            yield rows, self._batch(prepared, rows)

    def _predict_rows(self, log: ResponseLog) -> np.ndarray:
        out = np.zeros(len(log), dtype=np.float64)
        if len(log) == 0:
            return out
        self.module.eval()
        with torch.no_grad():
            for rows, batch in self._sequence_batches(log, self.evaluation_batch_size):
                probabilities = torch.sigmoid(self._sequence_logits(batch)).cpu().numpy()
                width = probabilities.shape[1]
                valid = rows[:, :width] >= 0
                out[rows[:, :width][valid]] = probabilities[valid]
        self._prepared.clear()
        return out

    def _sequence_logits(self, batch: SequenceBatch) -> torch.Tensor:
        raise NotImplementedError

    def training_loss(self, batch: SequenceBatch) -> torch.Tensor:
        logits = self._sequence_logits(batch)
        losses = F.binary_cross_entropy_with_logits(logits, batch.correct, reduction="none")
        weight = batch.loss_mask.float()
        early_weight = getattr(self.config, "early_weight", 0.0)
        if early_weight:
            # New learners matter most to the product and are a sliver of the data: weigh them up.
            weight = weight * (1.0 + early_weight * torch.exp(-batch.position.float() / self.config.early_scale))
        return (losses * weight).sum() / weight.sum().clamp(min=1.0)

    def _slots(self, items: np.ndarray, skills: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return (torch.as_tensor(np.where(items < 0, self.n_items, items), device=self.device),
                torch.as_tensor(np.where(skills < 0, self.n_skills, skills), device=self.device))


# ------------------------------------------------------------------------------------------------
@dataclass
class GRUConfig:
    """Recurrent tracer; ``history_features`` switches on the per-skill practice history (gru_pfa)."""

    hidden_size: int = 128
    embedding_size: int = 64
    dropout: float = 0.2
    history_features: bool = False
    window: int = 200
    burn_in: int = 50
    batch_size: int = 32
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    max_epochs: int = 25
    patience: int = 3
    gradient_clip: float = 1.0
    #: Validate, early-stop and keep a moving average of the weights over about this many epochs
    #: (0: the last weights; see ``Trainer``). Trainings that differ only in their seed then agree
    #: more closely: see "Adaptive policy vs fixed course order" in docs/benchmarks.md.
    average_epochs: float = 3.0
    num_threads: int = 2
    #: Extra loss weight on a learner's first responses: 1 + early_weight * exp(-position / early_scale).
    early_weight: float = 0.0
    early_scale: float = 10.0
    #: Fit PFA first and let the network learn the residual over its logit (needs history features).
    pfa_prior: bool = False
    #: Add the days since the learner last practised the skill to the history features (needs
    #: ``history_features``), so predictions fall with time away: forgetting. Answers without
    #: timestamps read as no time passed.
    elapsed_time: bool = False
    #: Predict a learner's very first response from the item's first-response success rate in
    #: training, shrunk towards PFA's estimate (empirical Bayes; needs ``pfa_prior``). With no
    #: answers a model can only rank items, and first responses differ from later first attempts.
    cold_start_prior: bool = False


class GRUTracerNet(nn.Module):
    # Buffers registered by name below (with the PFA prior and the cold-start prior only).
    pfa_easiness: torch.Tensor
    pfa_win_weight: torch.Tensor
    pfa_fail_weight: torch.Tensor
    pfa_intercept: torch.Tensor
    cold_start_logit: torch.Tensor

    def __init__(self, n_items: int, n_skills: int, config: GRUConfig) -> None:
        super().__init__()
        n_features = history_feature_count(config)
        size, hidden = config.embedding_size, config.hidden_size
        self.n_items = n_items
        self.interaction = nn.Embedding(2 * (n_items + 1), size)
        self.query = nn.Embedding(n_items + 1, size)
        self.item_bias = nn.Embedding(n_items + 1, 1)
        self.skill_bias = nn.Embedding(n_skills + 1, 1)
        nn.init.zeros_(self.item_bias.weight)
        nn.init.zeros_(self.skill_bias.weight)
        self.gru = nn.GRU(size + n_features, hidden, batch_first=True)
        self.initial_hidden = nn.Parameter(torch.zeros(hidden))
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Sequential(
            nn.Linear(hidden + size + n_features, hidden), nn.GELU(), nn.Dropout(config.dropout), nn.Linear(hidden, 1)
        )
        self.use_pfa_prior = bool(config.pfa_prior and config.history_features)
        if self.use_pfa_prior:
            # Filled from a fitted PFA model before training; kept fixed (buffers, not parameters).
            self.register_buffer("pfa_easiness", torch.zeros(n_items + 1))
            self.register_buffer("pfa_win_weight", torch.zeros(n_skills + 1))
            self.register_buffer("pfa_fail_weight", torch.zeros(n_skills + 1))
            self.register_buffer("pfa_intercept", torch.zeros(()))
            self.pfa_scale = nn.Parameter(torch.ones(()))
        self.use_cold_start = bool(config.cold_start_prior and self.use_pfa_prior)
        if self.use_cold_start:
            self.register_buffer("cold_start_logit", torch.zeros(n_items + 1))

    def step_input(self, items: torch.Tensor, correct: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.interaction(items * 2 + correct.long()), features], dim=-1)

    def readout(self, hidden: torch.Tensor, items: torch.Tensor, skills: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """Logit of answering ``items`` right from the state ``hidden`` (before answering)."""
        joined = torch.cat([self.dropout(hidden), self.query(items), features], dim=-1)
        logit: torch.Tensor = (self.head(joined).squeeze(-1) + self.item_bias(items).squeeze(-1)
                               + self.skill_bias(skills).squeeze(-1))
        if self.use_pfa_prior:
            # History features 1 and 2 are log(1 + successes) and log(1 + failures) on the skill.
            pfa_logit = (self.pfa_intercept + self.pfa_easiness[items] + self.pfa_win_weight[skills] * features[..., 1]
                         + self.pfa_fail_weight[skills] * features[..., 2])
            logit = logit + self.pfa_scale * pfa_logit
        if self.use_cold_start and not self.training:
            # History feature 9 is log(1 + position): zero for a learner's first response. The
            # network still trains on first responses (its training is unchanged by the prior).
            logit = torch.where(features[..., 9] == 0, self.cold_start_logit[items], logit)
        return logit


@register("gru")
class GRUTracer(TorchLearnerModel[GRUTracerNet]):
    """Deep knowledge tracing with a GRU (Piech et al., 2015): the hidden state is the learner state."""

    config_class = GRUConfig

    @property
    def uses_history_features(self) -> bool:
        return bool(self.config.history_features)

    @property
    def n_history_features(self) -> int:
        return history_feature_count(self.config)

    @property
    def uses_time(self) -> bool:
        return bool(self.config.history_features and self.config.elapsed_time)

    def _build(self) -> GRUTracerNet:
        return GRUTracerNet(self.n_items, self.n_skills, self.config)

    def _fit(self, train_log: ResponseLog, valid_log: ResponseLog | None, *, seed: int,
             callbacks: Sequence[Callback], progress: bool) -> None:
        self._pfa: Any = None
        if self.config.pfa_prior and self.config.history_features:
            self._pfa = PFAModel().fit(train_log, None, device="cpu", seed=seed)
            if self.config.cold_start_prior:
                items, _ = self.dense_columns(train_log)
                scored = train_log.scored
                self._cold_start = first_response_logits(items[scored], train_log.positions()[scored],
                                                         train_log.correct[scored], self._pfa.intercept + self._pfa.easiness)
        super()._fit(train_log, valid_log, seed=seed, callbacks=callbacks, progress=progress)

    def _after_build(self, net: GRUTracerNet) -> None:
        pfa = getattr(self, "_pfa", None)
        if pfa is not None:
            with torch.no_grad():
                net.pfa_easiness.copy_(torch.as_tensor(pfa.easiness, dtype=torch.float32))
                net.pfa_win_weight.copy_(torch.as_tensor(pfa.win_weight, dtype=torch.float32))
                net.pfa_fail_weight.copy_(torch.as_tensor(pfa.fail_weight, dtype=torch.float32))
                net.pfa_intercept.fill_(pfa.intercept)
            if net.use_cold_start:
                net.cold_start_logit.copy_(torch.as_tensor(self._cold_start, dtype=torch.float32))

    def _upgrade_weights(self, weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if self.config.cold_start_prior and "cold_start_logit" not in weights:
            self.config = dataclasses.replace(self.config, cold_start_prior=False)
        if self.uses_time and weights["gru.weight_ih_l0"].shape[1] == self.config.embedding_size + N_HISTORY_FEATURES - 1:
            self.config = dataclasses.replace(self.config, elapsed_time=False)  # saved before times were seen
        return weights

    def _sequence_logits(self, batch: SequenceBatch) -> torch.Tensor:
        net = self.module
        inputs = net.step_input(batch.items, batch.correct, batch.features)
        start = net.initial_hidden.expand(1, len(batch.items), -1).contiguous()
        outputs, _ = net.gru(inputs, start)
        before = torch.cat([start.transpose(0, 1), outputs[:, :-1]], dim=1)  # state before each response
        return net.readout(before, batch.items, batch.skills, batch.features)

    def init_state(self) -> State:
        net = self.module
        state = {"hidden": net.initial_hidden.detach().cpu().numpy().astype(np.float32).copy()}
        if self.uses_history_features:
            state.update(HistoryState.init(self.n_skills))
        return state

    def _features(self, state: State, skills: np.ndarray, at: float) -> torch.Tensor:
        if self.uses_history_features:
            features = HistoryState.features(state, skills, self.n_skills, at)[:, : self.n_history_features]
            return torch.as_tensor(features, device=self.device)
        return torch.zeros((len(skills), 0), device=self.device)

    def _update(self, state: State, item: int, skill: int, correct: int, at: float = math.nan) -> State:
        net = self.module
        items, _ = self._slots(np.array([item]), np.array([skill]))
        # Inference mode, not just no_grad: it skips autograd's bookkeeping altogether, which halves
        # these small calls (they run for every answer, on the real-time path).
        with torch.inference_mode():
            x = net.step_input(items, torch.tensor([float(correct)], device=self.device),
                               self._features(state, np.array([skill]), at))
            hidden = torch.as_tensor(state["hidden"], device=self.device).view(1, 1, -1)
            _, new_hidden = net.gru(x.view(1, 1, -1), hidden)
        new_state = {"hidden": new_hidden.view(-1).cpu().numpy().astype(np.float32)}
        if self.uses_history_features:
            new_state.update(HistoryState.update(state, skill, correct, self.n_skills, at))
        return new_state

    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray, at: float = math.nan) -> np.ndarray:
        net = self.module
        item_slots, skill_slots = self._slots(items, skills)
        with torch.inference_mode():
            hidden = torch.as_tensor(state["hidden"], device=self.device).expand(len(items), -1)
            logits = net.readout(hidden, item_slots, skill_slots, self._features(state, skills, at))
        return torch.sigmoid(logits).cpu().numpy().astype(np.float64)


def first_response_logits(items: np.ndarray, position: np.ndarray, correct: np.ndarray, centre_logit: np.ndarray
                          ) -> np.ndarray:
    """Logit of the success rate on each item as a learner's first response, by empirical Bayes.

    Each item's rate has a Beta prior centred on ``centre_logit`` (one per item plus the unknown
    slot, shifted by a constant so that it matches the first responses on average) whose strength
    maximises the marginal likelihood of the observed first responses. Items never answered first
    get the shifted centre.
    """
    size = len(centre_logit)
    first = position == 0
    slots = np.where(items[first] < 0, size - 1, items[first])
    counts = np.bincount(slots, minlength=size).astype(np.float64)
    wins = np.bincount(slots, weights=correct[first].astype(np.float64), minlength=size)
    shift = 0.0
    for _ in range(50):  # Newton steps on the constant
        p = 1 / (1 + np.exp(-(centre_logit + shift)))
        curvature = float((counts * p * (1 - p)).sum())
        if curvature <= 0:
            break
        shift += float(wins.sum() - (counts * p).sum()) / curvature
    centre = np.clip(1 / (1 + np.exp(-(centre_logit + shift))), 1e-4, 1 - 1e-4)
    strengths = np.geomspace(0.3, 300.0, 60)
    marginal = [float((betaln(wins + s * centre, counts - wins + s * (1 - centre)) - betaln(s * centre, s * (1 - centre))).sum())
                for s in strengths]
    strength = strengths[int(np.argmax(marginal))]
    rate = (wins + strength * centre) / (counts + strength)
    logits: np.ndarray = np.log(rate / (1 - rate))
    return logits


@dataclass
class GRUPFAConfig(GRUConfig):
    """Defaults chosen on the validation learners of assist2009 (see docs/benchmarks.md)."""

    history_features: bool = True
    pfa_prior: bool = True
    hidden_size: int = 200
    dropout: float = 0.3
    window: int = 50
    burn_in: int = 10
    early_weight: float = 2.0
    cold_start_prior: bool = True
    elapsed_time: bool = True


def history_feature_count(config: GRUConfig) -> int:
    """History features a GRU tracer with ``config`` reads: none, all, or all but elapsed days (last)."""
    if not config.history_features:
        return 0
    return N_HISTORY_FEATURES if config.elapsed_time else N_HISTORY_FEATURES - 1


@register("gru_pfa")
class GRUPFATracer(GRUTracer):
    """GRU with per-skill practice history correcting a frozen PFA logit (Pavlik et al., 2009), and
    an empirical-Bayes prior for the first answer (see the module docstring)."""

    config_class = GRUPFAConfig


# ------------------------------------------------------------------------------------------------
@dataclass
class BayesMIRTConfig:
    """Multidimensional IRT with a Gaussian belief per learner; ``ability_size`` is the ability vector.

    The default update is the assumed-density filter (``moment_matching``). Without it,
    ``preconditioned`` scales one gradient step by the inverse of the accumulated curvature (a
    Laplace / Kalman step whose prior precision is learnt); without both, a learnt step size that
    decays with the number of answers (Meta-SGD).
    """

    ability_size: int = 8
    skill_offsets: bool = True
    preconditioned: bool = True
    #: With ``preconditioned``: replace the gradient step by an exact Gaussian (assumed-density)
    #: update, and predict by averaging over the learner's uncertainty instead of from the mean.
    moment_matching: bool = True
    #: Quadrature points for the moment-matching update and the predictive average.
    quadrature_points: int = 16
    #: A per-item floor on P(correct) for lucky guesses (as in 3PL item response theory).
    guessing: bool = True
    initial_step: float = 0.3
    # The inner loop runs step by step in Python, so few long batches are much faster than many.
    window: int = 100
    burn_in: int = 20
    batch_size: int = 256
    learning_rate: float = 3e-2
    weight_decay: float = 0.0
    max_epochs: int = 30
    patience: int = 3
    gradient_clip: float = 5.0
    num_threads: int = 2


class BayesMIRTNet(nn.Module):
    """Item parameters shared by all learners, plus the meta-learnt learner init and step sizes."""

    def __init__(self, n_items: int, n_skills: int, config: BayesMIRTConfig) -> None:
        super().__init__()
        d = config.ability_size
        self.item_bias = nn.Parameter(torch.zeros(n_items + 1))
        self.item_loading = nn.Parameter(0.1 * torch.randn(n_items + 1, d))
        self.ability_init = nn.Parameter(torch.zeros(d))
        self.offset_init = nn.Parameter(torch.zeros(n_skills + 1))
        # Precision = 1 / step size. It starts at the meta-learnt prior precision and grows with
        # every answer, by the curvature of its loss (preconditioned) or by a learnt constant.
        precision = float(np.log(np.expm1(1.0 / config.initial_step)))
        self.raw_ability_precision = nn.Parameter(torch.full((d,), precision))
        self.raw_offset_precision = nn.Parameter(torch.full((n_skills + 1,), precision if config.skill_offsets else 20.0),
                                                 requires_grad=config.skill_offsets)
        # Curvature counts fully at the start (a Laplace update); a count-based decay starts gently.
        growth = 0.5413 if config.preconditioned else -2.0
        self.raw_growth = nn.Parameter(torch.tensor([growth, growth]))
        self.skill_offsets = config.skill_offsets
        self.raw_guess = nn.Parameter(torch.full((n_items + 1,), -3.0), requires_grad=config.guessing)
        self.guessing = config.guessing
        # Moment matching: variance added to the ability and the offsets after every answer, so that
        # old answers can count less than recent ones (a learner who changes); starts near zero.
        self.raw_drift = nn.Parameter(torch.full((d + 1,), -9.0), requires_grad=config.moment_matching)

    def guess(self, items: torch.Tensor) -> torch.Tensor:
        if not self.guessing:
            return torch.zeros_like(items, dtype=self.raw_guess.dtype)
        return 0.5 * torch.sigmoid(self.raw_guess[items])

    def prior_precision(self) -> tuple[torch.Tensor, torch.Tensor]:
        offset = F.softplus(self.raw_offset_precision)
        if not self.skill_offsets:
            offset = offset.detach() + 1e8  # offsets never move
        return F.softplus(self.raw_ability_precision), offset

    def growth(self) -> torch.Tensor:
        return F.softplus(self.raw_growth)

    def drift(self) -> tuple[torch.Tensor, torch.Tensor]:
        drift = F.softplus(self.raw_drift)
        return drift[:-1], drift[-1]


def _response_logit(learner: dict[str, torch.Tensor], loading: torch.Tensor, bias: torch.Tensor,
                    skill: torch.Tensor) -> torch.Tensor:
    return (learner["ability"] * loading).sum(-1) + bias + learner["offset"].gather(0, skill.unsqueeze(0)).squeeze(0)


def _with_guess(logit: torch.Tensor, guess: torch.Tensor) -> torch.Tensor:
    return (guess + (1 - guess) * torch.sigmoid(logit)).clamp(1e-6, 1 - 1e-6)


def _response_loss(learner: dict[str, torch.Tensor], loading: torch.Tensor, bias: torch.Tensor,
                   skill: torch.Tensor, guess: torch.Tensor, correct: torch.Tensor) -> torch.Tensor:
    probability = _with_guess(_response_logit(learner, loading, bias, skill), guess)
    return -(correct * torch.log(probability) + (1 - correct) * torch.log1p(-probability))


# Per-learner gradients of the newest answer's loss and logit, batched over learners.
_loss_gradient = vmap(grad(_response_loss), in_dims=(0, 0, 0, 0, 0, 0))
_logit_gradient = vmap(grad(_response_logit), in_dims=(0, 0, 0, 0))


@register("bayes_mirt")
class BayesMIRTModel(TorchLearnerModel[BayesMIRTNet]):
    """Learner ability and per-skill offsets as a Gaussian belief, updated in closed form per answer.

    By default each answer updates the belief by an assumed-density (Kalman-style) filter and
    predictions average over it (see the module docstring); the prior, the item parameters and the
    drift are learnt by differentiating through the unrolled updates of training learners (as in
    MAML, Finn et al., 2017). ``moment_matching=False`` / ``preconditioned=False`` select the
    gradient-step updates instead (Laplace step; Meta-SGD, Li et al., 2017).
    """

    config_class = BayesMIRTConfig
    exposes_difficulty = True
    evaluation_batch_size = 512

    def _build(self) -> BayesMIRTNet:
        return BayesMIRTNet(self.n_items, self.n_skills, self.config)

    def _upgrade_weights(self, weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        if "raw_drift" not in weights:
            self.config = dataclasses.replace(self.config, moment_matching=False)
            weights = {**weights, "raw_drift": torch.full((self.config.ability_size + 1,), -9.0)}
        return weights

    def _adapt(self, learner: dict[str, torch.Tensor], precision: dict[str, torch.Tensor],
               items: torch.Tensor, skills: torch.Tensor, correct: torch.Tensor, active: torch.Tensor
               ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """The belief of every active learner after its answer: the assumed-density filter by default,
        else one gradient step; returns the new means and precisions (covariances when filtering)."""
        if self._moment_matching:
            return self._moment_match(learner, precision, items, skills, correct, active)
        net = self.module
        loading, bias = net.item_loading[items], net.item_bias[items]
        gradients = _loss_gradient(learner, loading, bias, skills, net.guess(items), correct)
        active_f = active.float()[:, None]
        growth = net.growth()
        if self.config.preconditioned:
            # Curvature of the log-loss: p(1 - p) times the outer product of the logit's gradient.
            # The ability precision is a full matrix: an answer on an item that loads on several
            # ability dimensions tells about their combination, as in an extended Kalman filter.
            logit_grads = _logit_gradient(learner, loading, bias, skills)
            p = torch.sigmoid(_response_logit_batched(learner, loading, bias, skills))[:, None]
            weight = active_f * p * (1 - p)
            loading_grad = logit_grads["ability"]
            outer = loading_grad[:, :, None] * loading_grad[:, None, :]
            ability_precision = precision["ability"] + (growth[0] * weight)[:, :, None] * outer
            offset_precision = precision["offset"] + growth[1] * weight * logit_grads["offset"] ** 2
            ability_step = torch.linalg.solve(ability_precision, gradients["ability"].unsqueeze(-1)).squeeze(-1)
        else:
            # Meta-SGD: the step shrinks with the number of answers (overall, and on the skill).
            ability_precision = precision["ability"] + active_f * growth[0]
            offset_precision = precision["offset"] + active_f * growth[1] * F.one_hot(skills, self.n_skills + 1).float()
            ability_step = gradients["ability"] / ability_precision
        new_learner = {"ability": learner["ability"] - active_f * ability_step,
                       "offset": learner["offset"] - active_f * gradients["offset"] / offset_precision}
        new_precision = {"ability": ability_precision, "offset": offset_precision}
        return new_learner, new_precision

    @property
    def _moment_matching(self) -> bool:
        return bool(self.config.preconditioned and self.config.moment_matching)

    def _quadrature(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Gauss-Hermite nodes and weights for expectations over a standard normal."""
        points = self.config.quadrature_points
        if getattr(self, "_quadrature_cache", (None,))[0] != (points, self.device):
            nodes, weights = np.polynomial.hermite_e.hermegauss(points)
            self._quadrature_cache = ((points, self.device), torch.tensor(nodes, dtype=torch.float32, device=self.device),
                                      torch.tensor(weights / weights.sum(), dtype=torch.float32, device=self.device))
        return self._quadrature_cache[1], self._quadrature_cache[2]

    def _logit_belief(self, learner: dict[str, torch.Tensor], covariance: dict[str, torch.Tensor],
                      items: torch.Tensor, skills: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Mean and variance of each learner's logit on ``items`` under the Gaussian belief.

        Also returns the covariance of the ability with the logit and the variance of the skill
        offset, which the moment-matching update needs.
        """
        net = self.module
        loading = net.item_loading[items]
        ability_spread = (covariance["ability"] @ loading.unsqueeze(-1)).squeeze(-1)
        offset_variance = covariance["offset"].gather(1, skills[:, None]).squeeze(1)
        mean = _response_logit_batched(learner, loading, net.item_bias[items], skills)
        variance = ((ability_spread * loading).sum(-1) + offset_variance).clamp(min=1e-6)
        return mean, variance, ability_spread, offset_variance

    def _expected_probability(self, mean: torch.Tensor, variance: torch.Tensor, guess: torch.Tensor) -> torch.Tensor:
        """P(correct) averaged over a normal logit (the posterior predictive), by quadrature."""
        nodes, weights = self._quadrature()
        logits = mean[..., None] + variance.sqrt()[..., None] * nodes
        return (_with_guess(logits, guess[..., None]) * weights).sum(-1).clamp(1e-6, 1 - 1e-6)

    def _moment_match(self, learner: dict[str, torch.Tensor], covariance: dict[str, torch.Tensor],
                      items: torch.Tensor, skills: torch.Tensor, correct: torch.Tensor, active: torch.Tensor
                      ) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """Assumed-density filter: the exact posterior after one answer, projected back to a Gaussian.

        The answer only sees the learner through its logit, so the update is one-dimensional: the
        logit's posterior mean and variance (by quadrature, guessing included) move the ability and
        the skill offset along their covariance with the logit, as in a Kalman filter.
        """
        net = self.module
        nodes, weights = self._quadrature()
        mean, variance, ability_spread, offset_variance = self._logit_belief(learner, covariance, items, skills)
        logits = mean[:, None] + variance.sqrt()[:, None] * nodes
        probability = _with_guess(logits, net.guess(items)[:, None])
        likelihood = torch.where(correct[:, None] > 0.5, probability, 1 - probability) * weights
        posterior = likelihood / likelihood.sum(-1, keepdim=True)
        new_mean = (posterior * logits).sum(-1)
        new_variance = (posterior * (logits - new_mean[:, None]) ** 2).sum(-1)
        active_f = active.float()
        shift = active_f * (new_mean - mean) / variance
        shrink = active_f * ((variance - new_variance) / variance**2).clamp(min=0.0)
        one_hot = F.one_hot(skills, self.n_skills + 1).float()
        ability_drift, offset_drift = net.drift()
        new_learner = {"ability": learner["ability"] + shift[:, None] * ability_spread,
                       "offset": learner["offset"] + (shift * offset_variance)[:, None] * one_hot}
        outer = ability_spread[:, :, None] * ability_spread[:, None, :]
        new_covariance = {
            "ability": covariance["ability"] - shrink[:, None, None] * outer
            + active_f[:, None, None] * torch.diag(ability_drift),
            "offset": covariance["offset"] - (shrink * offset_variance**2)[:, None] * one_hot + active_f[:, None] * offset_drift,
        }
        return new_learner, new_covariance

    def _start(self, size: int) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        net = self.module
        ability_precision, offset_precision = net.prior_precision()
        learner = {"ability": net.ability_init.expand(size, -1), "offset": net.offset_init.expand(size, -1)}
        if self._moment_matching:
            # The belief holds covariances rather than precisions.
            ability_precision, offset_precision = 1 / ability_precision, 1 / offset_precision
        if self.config.preconditioned:
            ability_precision = torch.diag_embed(ability_precision)
        precision = {"ability": ability_precision.expand(size, *ability_precision.shape),
                     "offset": offset_precision.expand(size, -1)}
        return learner, precision

    def _sequence_logits(self, batch: SequenceBatch) -> torch.Tensor:
        net = self.module
        learner, precision = self._start(len(batch.items))
        logits = []
        for t in range(batch.items.shape[1]):
            items, skills = batch.items[:, t], batch.skills[:, t]
            if self._moment_matching:
                mean, variance, *_ = self._logit_belief(learner, precision, items, skills)
                logits.append(torch.logit(self._expected_probability(mean, variance, net.guess(items))))
            else:
                logit = _response_logit_batched(learner, net.item_loading[items], net.item_bias[items], skills)
                logits.append(torch.logit(_with_guess(logit, net.guess(items))))
            learner, precision = self._adapt(learner, precision, items, skills, batch.correct[:, t], batch.mask[:, t])
        return torch.stack(logits, dim=1)

    def init_state(self) -> State:
        learner, precision = self._start(1)
        return self._to_state(learner, precision)

    def _belief_keys(self) -> tuple[str, str]:
        """State keys of the ability and offset spread: covariances or precisions."""
        if self._moment_matching:
            return "ability_covariance", "offset_variance"
        return "ability_precision", "offset_precision"

    def _to_state(self, learner: dict[str, torch.Tensor], precision: dict[str, torch.Tensor]) -> State:
        ability_key, offset_key = self._belief_keys()
        return {
            "ability": learner["ability"][0].detach().cpu().numpy().astype(np.float32).copy(),
            "offset": learner["offset"][0].detach().cpu().numpy().astype(np.float32).copy(),
            ability_key: precision["ability"][0].detach().cpu().numpy().astype(np.float32).copy(),
            offset_key: precision["offset"][0].detach().cpu().numpy().astype(np.float32).copy(),
        }

    def _update(self, state: State, item: int, skill: int, correct: int, at: float = math.nan) -> State:
        items, skills = self._slots(np.array([item]), np.array([skill]))

        def tensor(key: str) -> torch.Tensor:
            return torch.as_tensor(state[key]).unsqueeze(0).to(self.device)

        ability_key, offset_key = self._belief_keys()
        with torch.no_grad():
            learner, precision = self._adapt(
                {"ability": tensor("ability"), "offset": tensor("offset")},
                {"ability": tensor(ability_key), "offset": tensor(offset_key)},
                items, skills, torch.tensor([float(correct)], device=self.device), torch.tensor([True], device=self.device))
        return self._to_state(learner, precision)

    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray, at: float = math.nan) -> np.ndarray:
        net = self.module
        item_slots, skill_slots = self._slots(items, skills)
        with torch.no_grad():
            ability = torch.as_tensor(state["ability"], device=self.device)
            offset = torch.as_tensor(state["offset"], device=self.device)
            loading = net.item_loading[item_slots]
            logits = loading @ ability + net.item_bias[item_slots] + offset[skill_slots]
            if self._moment_matching:
                covariance = torch.as_tensor(state["ability_covariance"], device=self.device)
                variance = ((loading @ covariance) * loading).sum(-1)
                variance = (variance + torch.as_tensor(state["offset_variance"], device=self.device)[skill_slots]).clamp(min=1e-6)
                probability = self._expected_probability(logits, variance, net.guess(item_slots))
            else:
                probability = _with_guess(logits, net.guess(item_slots))
        return probability.cpu().numpy().astype(np.float64)

    def item_difficulty(self) -> np.ndarray:
        """Negative logit of a learner at the meta-learnt starting point, per item."""
        net = self.module
        with torch.no_grad():
            logit = net.item_loading[: self.n_items] @ net.ability_init + net.item_bias[: self.n_items]
            logit = logit + net.offset_init[torch.as_tensor(np.where(self.item_skill < 0, self.n_skills, self.item_skill))]
        return (-logit).cpu().numpy()


def _response_logit_batched(learner: dict[str, torch.Tensor], loading: torch.Tensor, bias: torch.Tensor,
                            skills: torch.Tensor) -> torch.Tensor:
    return (learner["ability"] * loading).sum(-1) + bias + learner["offset"].gather(1, skills[:, None]).squeeze(1)
