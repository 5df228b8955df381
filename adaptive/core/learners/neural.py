"""Meta-learned learner models: every learner is a task, and what is learnt across learners is how
to adapt to a new one from its first answers.

* ``rl2``: an RL²-style recurrent tracer. A GRU reads the learner's answers one by one; its hidden
  state *is* the learner state, so adaptation happens in context, with no gradient steps at use time.
  The initial hidden state is a learnt parameter: the prior for a learner with no answers.
* ``hybrid``: the same GRU, also fed per-skill practice history (attempt and success counts, the
  last three outcomes on the skill, how long ago), with the history features and a per-item and
  per-skill bias in the output layer. The counts are exact long-term memory the GRU would otherwise
  have to squeeze into its hidden state.
* ``maml``: multidimensional item response theory whose per-learner parameters (an ability vector
  and per-skill offsets) start from a meta-learnt initialisation and take one gradient step per
  answer, with meta-learnt per-parameter step sizes (Meta-SGD, streaming). The inner gradient is
  computed with ``torch.func.grad`` vmapped over learners, and training differentiates through the
  unrolled adaptation, so the initialisation and step sizes are learnt for fast adaptation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import grad, vmap

from adaptive.core.data import ResponseLog, group_index_matrix
from adaptive.core.features import N_HISTORY_FEATURES, HistoryState, history_features
from adaptive.core.learners.base import LearnerModel, State, register

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


class TorchLearnerModel(LearnerModel):
    """Shared plumbing of the torch models: windows, batches, fitting through :class:`Trainer`."""

    uses_history_features = False

    def __init__(self, config: Any | None = None) -> None:
        super().__init__(config)
        self.net: nn.Module | None = None
        self._prepared: dict[int, dict[str, np.ndarray]] = {}

    @property
    def module(self) -> nn.Module:
        assert self.net is not None, "model is not built"
        return self.net

    def _build(self) -> nn.Module:
        raise NotImplementedError

    def _prepare(self, log: ResponseLog) -> dict[str, np.ndarray]:
        """Dense columns (unknown mapped to the extra slot) and history features, once per log."""
        key = id(log)
        if key not in self._prepared:
            items, skills = self.dense_columns(log)
            prepared = {
                "items": np.where(items < 0, self.n_items, items),
                "skills": np.where(skills < 0, self.n_skills, skills),
                "correct": log.correct.astype(np.float32),
            }
            if self.uses_history_features:
                prepared["features"] = history_features(log.learner, skills, log.correct, self.n_skills)
            else:
                prepared["features"] = np.zeros((len(log), 0), dtype=np.float32)
            self._prepared = {key: prepared, **{k: v for k, v in list(self._prepared.items())[-2:]}}
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
        loss_mask = mask.copy()
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
        )

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
        batches = [order[i : i + self.config.batch_size] for i in range(0, len(order), self.config.batch_size)]
        for b in rng.permutation(len(batches)):
            rows = batches[b]
            yield self._batch(prepared, matrix[rows], burn[rows])

    def _fit(self, train_log: ResponseLog, valid_log: ResponseLog | None, *, seed: int,
             callbacks: Sequence[Callback], progress: bool) -> None:
        from adaptive.core.train import Trainer, seed_everything

        torch.set_num_threads(max(1, min(torch.get_num_threads(), self.config.num_threads)))
        seed_everything(seed)
        self.net = self._build().to(self.device)
        trainer = Trainer(
            max_epochs=self.config.max_epochs,
            learning_rate=self.config.learning_rate,
            weight_decay=self.config.weight_decay,
            gradient_clip=self.config.gradient_clip,
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
        if self.net is None:
            self.net = self._build()
        self.net.load_state_dict(weights)
        self.net.to(self.device).eval()

    def _sequence_batches(self, log: ResponseLog, batch_size: int = 64) -> Iterator[tuple[np.ndarray, SequenceBatch]]:
        """Whole sequences (no windows), for evaluation that carries the state to the end."""
        prepared = self._prepare(log)
        matrix = group_index_matrix(log.learner)
        lengths = (matrix >= 0).sum(axis=1)
        order = np.argsort(lengths, kind="stable")
        for i in range(0, len(order), batch_size):
            rows = matrix[order[i : i + batch_size]]
            yield rows, self._batch(prepared, rows)

    def predict_sequences(self, log: ResponseLog) -> np.ndarray:
        out = np.zeros(len(log), dtype=np.float64)
        if len(log) == 0:
            return out
        self.module.eval()
        with torch.no_grad():
            for rows, batch in self._sequence_batches(log):
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
        return (losses * weight).sum() / weight.sum().clamp(min=1.0)

    def _slots(self, items: np.ndarray, skills: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return (torch.as_tensor(np.where(items < 0, self.n_items, items), device=self.device),
                torch.as_tensor(np.where(skills < 0, self.n_skills, skills), device=self.device))


# ------------------------------------------------------------------------------------------------
@dataclass
class GRUConfig:
    """Recurrent tracer; ``history_features`` switches on the per-skill practice history (hybrid)."""

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
    num_threads: int = 2


class GRUTracerNet(nn.Module):
    def __init__(self, n_items: int, n_skills: int, config: GRUConfig) -> None:
        super().__init__()
        n_features = N_HISTORY_FEATURES if config.history_features else 0
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

    def step_input(self, items: torch.Tensor, correct: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.interaction(items * 2 + correct.long()), features], dim=-1)

    def readout(self, hidden: torch.Tensor, items: torch.Tensor, skills: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """Logit of answering ``items`` right from the state ``hidden`` (before answering)."""
        joined = torch.cat([self.dropout(hidden), self.query(items), features], dim=-1)
        return self.head(joined).squeeze(-1) + self.item_bias(items).squeeze(-1) + self.skill_bias(skills).squeeze(-1)


@register("rl2")
class GRUTracer(TorchLearnerModel):
    """RL²-style recurrent learner model: the GRU hidden state is the learner state."""

    config_class = GRUConfig

    @property
    def uses_history_features(self) -> bool:  # type: ignore[override]
        return bool(self.config.history_features)

    def _build(self) -> nn.Module:
        return GRUTracerNet(self.n_items, self.n_skills, self.config)

    def _sequence_logits(self, batch: SequenceBatch) -> torch.Tensor:
        net: GRUTracerNet = self.module  # type: ignore[assignment]
        inputs = net.step_input(batch.items, batch.correct, batch.features)
        start = net.initial_hidden.expand(1, len(batch.items), -1).contiguous()
        outputs, _ = net.gru(inputs, start)
        before = torch.cat([start.transpose(0, 1), outputs[:, :-1]], dim=1)  # state before each response
        return net.readout(before, batch.items, batch.skills, batch.features)

    def init_state(self) -> State:
        net: GRUTracerNet = self.module  # type: ignore[assignment]
        state = {"hidden": net.initial_hidden.detach().cpu().numpy().astype(np.float32).copy()}
        if self.uses_history_features:
            state.update(HistoryState.init(self.n_skills))
        return state

    def _features(self, state: State, skills: np.ndarray) -> torch.Tensor:
        if self.uses_history_features:
            return torch.as_tensor(HistoryState.features(state, skills, self.n_skills), device=self.device)
        return torch.zeros((len(skills), 0), device=self.device)

    def _update(self, state: State, item: int, skill: int, correct: int) -> State:
        net: GRUTracerNet = self.module  # type: ignore[assignment]
        items, skills = self._slots(np.array([item]), np.array([skill]))
        with torch.no_grad():
            x = net.step_input(items, torch.tensor([float(correct)], device=self.device), self._features(state, np.array([skill])))
            hidden = torch.as_tensor(state["hidden"], device=self.device).view(1, 1, -1)
            _, new_hidden = net.gru(x.view(1, 1, -1), hidden)
        new_state = {"hidden": new_hidden.view(-1).cpu().numpy().astype(np.float32)}
        if self.uses_history_features:
            new_state.update(HistoryState.update(state, skill, correct, self.n_skills))
        return new_state

    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray) -> np.ndarray:
        net: GRUTracerNet = self.module  # type: ignore[assignment]
        item_slots, skill_slots = self._slots(items, skills)
        with torch.no_grad():
            hidden = torch.as_tensor(state["hidden"], device=self.device).expand(len(items), -1)
            logits = net.readout(hidden, item_slots, skill_slots, self._features(state, skills))
        return torch.sigmoid(logits).cpu().numpy().astype(np.float64)


@dataclass
class HybridConfig(GRUConfig):
    history_features: bool = True


@register("hybrid")
class HybridTracer(GRUTracer):
    """GRU tracer plus per-skill practice history features (see the module docstring)."""

    config_class = HybridConfig


# ------------------------------------------------------------------------------------------------
@dataclass
class MAMLConfig:
    """Streaming MAML over multidimensional IRT; ``ability_size`` is the learner ability vector."""

    ability_size: int = 8
    skill_offsets: bool = True
    initial_step: float = 0.3
    window: int = 200
    burn_in: int = 50
    batch_size: int = 64
    learning_rate: float = 1e-2
    weight_decay: float = 0.0
    max_epochs: int = 30
    patience: int = 3
    gradient_clip: float = 5.0
    num_threads: int = 2


class MAMLNet(nn.Module):
    """Item parameters shared by all learners, plus the meta-learnt learner init and step sizes."""

    def __init__(self, n_items: int, n_skills: int, config: MAMLConfig) -> None:
        super().__init__()
        d = config.ability_size
        self.item_bias = nn.Parameter(torch.zeros(n_items + 1))
        self.item_loading = nn.Parameter(0.1 * torch.randn(n_items + 1, d))
        self.ability_init = nn.Parameter(torch.zeros(d))
        self.offset_init = nn.Parameter(torch.zeros(n_skills + 1))
        step = float(np.log(np.expm1(config.initial_step)))
        self.raw_ability_step = nn.Parameter(torch.full((d,), step))
        self.raw_offset_step = nn.Parameter(torch.full((n_skills + 1,), step if config.skill_offsets else -20.0),
                                            requires_grad=config.skill_offsets)
        self.raw_decay = nn.Parameter(torch.tensor([-2.0, -2.0]))

    def steps(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return F.softplus(self.raw_ability_step), F.softplus(self.raw_offset_step), F.softplus(self.raw_decay)


def _response_logit(learner: dict[str, torch.Tensor], loading: torch.Tensor, bias: torch.Tensor,
                    skill: torch.Tensor) -> torch.Tensor:
    return (learner["ability"] * loading).sum(-1) + bias + learner["offset"].gather(0, skill.unsqueeze(0)).squeeze(0)


def _response_loss(learner: dict[str, torch.Tensor], loading: torch.Tensor, bias: torch.Tensor,
                   skill: torch.Tensor, correct: torch.Tensor) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(_response_logit(learner, loading, bias, skill), correct)


# Per-learner gradient of the loss of that learner's newest answer, batched over learners.
_inner_gradient = vmap(grad(_response_loss), in_dims=(0, 0, 0, 0, 0))


@register("maml")
class MAMLModel(TorchLearnerModel):
    """Learner ability and per-skill offsets adapted by gradient steps from a meta-learnt start."""

    config_class = MAMLConfig
    exposes_difficulty = True

    def _build(self) -> nn.Module:
        return MAMLNet(self.n_items, self.n_skills, self.config)

    def _adapt(self, learner: dict[str, torch.Tensor], counts: torch.Tensor, skill_counts: torch.Tensor,
               items: torch.Tensor, skills: torch.Tensor, correct: torch.Tensor, active: torch.Tensor
               ) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        """One inner gradient step for every active learner; returns new params and counts."""
        net: MAMLNet = self.module  # type: ignore[assignment]
        ability_step, offset_step, decay = net.steps()
        gradients = _inner_gradient(learner, net.item_loading[items], net.item_bias[items], skills, correct)
        rows = torch.arange(len(items), device=items.device)
        practiced = skill_counts[rows, skills]
        active_f = active.float()
        ability_rate = ability_step[None, :] / (1 + decay[0] * counts)[:, None] * active_f[:, None]
        offset_rate = torch.zeros_like(learner["offset"])
        offset_rate[rows, skills] = offset_step[skills] / (1 + decay[1] * practiced) * active_f
        new_learner = {
            "ability": learner["ability"] - ability_rate * gradients["ability"],
            "offset": learner["offset"] - offset_rate * gradients["offset"],
        }
        new_skill_counts = skill_counts.clone()
        new_skill_counts[rows, skills] += active_f
        return new_learner, counts + active_f, new_skill_counts

    def _sequence_logits(self, batch: SequenceBatch) -> torch.Tensor:
        net: MAMLNet = self.module  # type: ignore[assignment]
        size, width = batch.items.shape
        learner = {"ability": net.ability_init.expand(size, -1), "offset": net.offset_init.expand(size, -1)}
        counts = torch.zeros(size, device=batch.items.device)
        skill_counts = torch.zeros(size, self.n_skills + 1, device=batch.items.device)
        logits = []
        for t in range(width):
            items, skills = batch.items[:, t], batch.skills[:, t]
            logits.append((learner["ability"] * net.item_loading[items]).sum(-1) + net.item_bias[items]
                          + learner["offset"].gather(1, skills[:, None]).squeeze(1))
            learner, counts, skill_counts = self._adapt(learner, counts, skill_counts, items, skills,
                                                        batch.correct[:, t], batch.mask[:, t])
        return torch.stack(logits, dim=1)

    def init_state(self) -> State:
        net: MAMLNet = self.module  # type: ignore[assignment]
        return {
            "ability": net.ability_init.detach().cpu().numpy().astype(np.float32).copy(),
            "offset": net.offset_init.detach().cpu().numpy().astype(np.float32).copy(),
            "count": np.zeros((), dtype=np.float32),
            "skill_count": np.zeros(self.n_skills + 1, dtype=np.float32),
        }

    def _update(self, state: State, item: int, skill: int, correct: int) -> State:
        items, skills = self._slots(np.array([item]), np.array([skill]))
        learner = {"ability": torch.as_tensor(state["ability"])[None].to(self.device),
                   "offset": torch.as_tensor(state["offset"])[None].to(self.device)}
        with torch.no_grad():
            learner, counts, skill_counts = self._adapt(
                learner, torch.as_tensor(state["count"]).view(1).to(self.device),
                torch.as_tensor(state["skill_count"])[None].to(self.device), items, skills,
                torch.tensor([float(correct)], device=self.device), torch.tensor([True], device=self.device))
        return {
            "ability": learner["ability"][0].cpu().numpy(),
            "offset": learner["offset"][0].cpu().numpy(),
            "count": counts[0].cpu().numpy(),
            "skill_count": skill_counts[0].cpu().numpy(),
        }

    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray) -> np.ndarray:
        net: MAMLNet = self.module  # type: ignore[assignment]
        item_slots, skill_slots = self._slots(items, skills)
        with torch.no_grad():
            ability = torch.as_tensor(state["ability"], device=self.device)
            offset = torch.as_tensor(state["offset"], device=self.device)
            logits = net.item_loading[item_slots] @ ability + net.item_bias[item_slots] + offset[skill_slots]
        return torch.sigmoid(logits).cpu().numpy().astype(np.float64)

    def item_difficulty(self) -> np.ndarray:
        """Negative logit of a learner at the meta-learnt starting point, per item."""
        net: MAMLNet = self.module  # type: ignore[assignment]
        with torch.no_grad():
            logit = net.item_loading[: self.n_items] @ net.ability_init + net.item_bias[: self.n_items]
            logit = logit + net.offset_init[torch.as_tensor(np.where(self.item_skill < 0, self.n_skills, self.item_skill))]
        return (-logit).cpu().numpy()
