"""``attention``: an item-aware attention tracer, in the line of AKT and simpleKT.

What it draws on:

* Ghosh, Heffernan and Lan, "Context-aware attentive knowledge tracing" (AKT, KDD 2020): the
  Rasch-style question embedding ``x_q = c_s + mu_q * d_s`` (the skill's embedding plus a scalar
  per-question difficulty times the skill's variation vector), the same construction for the
  answer's embedding, an L2 penalty on ``mu_q`` so a rarely answered question stays close to its
  skill, and attention whose weights fall off with the distance between answers.
* Liu et al., "simpleKT: a simple but tough-to-beat baseline for knowledge tracing" (ICLR 2023):
  one attention block, where the question to predict is the query, the questions answered before are
  the keys and the answers (question and outcome) are the values, strictly before the prediction.

What it does not take from them: AKT's two encoders (of the questions and of the answers) and its
monotonic attention with a context-aware distance (here the decay is a learnt exponential of the plain
distance in answers, one rate per head, ``score - rate_h * (t - j)``, as in ALiBi); the stacks of
several blocks and their layer norms; the learnt "null" slot is ours (a learner with no answers
attends to it alone, so the cold start is learnt, not a zero vector). The prediction adds ``-mu_q``
to the readout's logit, so the difficulty is also a plain Rasch term.

A question never seen in training falls back to its skill's embedding (the mean of the skills' for
a skill never seen) and, online, to the author's difficulty when :class:`ItemInfo` gives one: it
shifts the logit by ``author_difficulty_step`` per step above 3, and only the logit, so a question
rated harder is predicted harder whatever the history. Questions of several skills are traced like
every other model's: the answer once per skill, in order (:meth:`ResponseLog.expand_skills`).

Online use: the state holds the keys and values of the last ``context`` answers (already projected),
so :meth:`update` encodes one answer and appends it, and :meth:`predict` runs one query against the
cache; nothing earlier is encoded again. Both equal a full re-encode of the history (tested within
1e-5). Measured on the 2-core VM shared with other jobs (2026-12-06, full-size model, a history of
200 assist2009 answers, 2,000 calls through the public API; docs/benchmarks.md, "Attention tracer"):
update + predict together 0.09 ms median, 0.15 ms at the 95th percentile. The online path runs on
NumPy tables folded from the network (:class:`_OnlineTables`), not on small torch calls.

Invariants (:mod:`adaptive.core.invariants`): the model is learnt end to end and is not monotone in
the evidence by construction, and two skills it never saw share the fallback embedding, so answers on
one move the other. :func:`~adaptive.core.invariants.check_invariants` refuses it for that (tested);
it is a benchmark model and a candidate for the product only where it passes.

Training uses the shared :class:`~adaptive.core.train.Trainer` and early stopping, on windows grouped
by length. On a CUDA device (``--device cuda``) it trains with ``cuda_batch_size`` windows per batch
and, with ``mixed_precision``, under ``torch.autocast`` in bfloat16; on the CPU nothing changes.
Windows are grouped by length and each batch is cut to its longest window, which keeps padding low;
sequences are not packed end to end. The CUDA path was written without a GPU at hand: a test runs it
where one is present and is skipped elsewhere, and no GPU timing has been measured yet.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import erf
from torch import nn

from adaptive.core.data import RawId
from adaptive.core.learners.base import ItemInfo, Moment, State, query_skills, register
from adaptive.core.learners.neural import SequenceBatch, TorchLearnerModel


@dataclass
class AttentionConfig:
    """Sizes and training settings of the attention tracer."""

    model_size: int = 64
    heads: int = 4
    hidden_size: int = 128
    dropout: float = 0.2
    #: How many earlier answers a prediction attends to (the online state keeps as many).
    context: int = 200
    window: int = 200
    burn_in: int = 50
    batch_size: int = 32
    learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    #: AKT's L2 penalty on the per-question difficulty, per answer in the batch.
    difficulty_l2: float = 1e-3
    #: Logits per step of the author's 1-5 difficulty, for questions never seen in training.
    author_difficulty_step: float = 0.5
    max_epochs: int = 30
    patience: int = 3
    gradient_clip: float = 1.0
    average_epochs: float = 3.0
    num_threads: int = 2
    #: On CUDA only: windows per batch, and bfloat16 autocast.
    cuda_batch_size: int = 256
    mixed_precision: bool = True


class AttentionTracerNet(nn.Module):
    """Embeddings, one causal attention block with distance decay, and the readout."""

    def __init__(self, n_items: int, n_skills: int, config: AttentionConfig) -> None:
        super().__init__()
        size, heads = config.model_size, config.heads
        if size % heads:
            raise ValueError(f"model_size ({size}) must be a multiple of heads ({heads})")
        self.n_items, self.n_skills = n_items, n_skills
        self.heads, self.head_size = heads, size // heads
        self.context = config.context
        self.skill = nn.Embedding(n_skills + 1, size)
        self.variation = nn.Embedding(n_skills + 1, size)
        self.answer = nn.Embedding(2 * (n_skills + 1), size)
        self.answer_variation = nn.Embedding(n_skills + 1, size)
        # One difficulty per question; the last slot is the unknown question, held at 0.
        self.difficulty = nn.Parameter(torch.zeros(n_items + 1))
        nn.init.normal_(self.variation.weight, std=0.1)
        nn.init.normal_(self.answer_variation.weight, std=0.1)
        self.query = nn.Linear(size, size, bias=False)
        self.key = nn.Linear(size, size, bias=False)
        self.value = nn.Linear(size, size)
        self.null_key = nn.Parameter(torch.zeros(heads, self.head_size))
        self.null_value = nn.Parameter(torch.zeros(heads, self.head_size))
        # softplus(-2) = 0.13 logits of attention lost per answer of distance, to start with.
        self.decay = nn.Parameter(torch.full((heads,), -2.0))
        self.merge = nn.Linear(size, size)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Sequential(nn.Linear(2 * size, config.hidden_size), nn.GELU(), nn.Dropout(config.dropout),
                                  nn.Linear(config.hidden_size, 1))

    # ----- embeddings -------------------------------------------------------------------------
    def _skill_table(self, table: nn.Embedding) -> torch.Tensor:
        """The table with the unknown skill's row replaced by the mean of the known skills' rows."""
        known = table.weight[: self.n_skills]
        fallback = known.mean(0, keepdim=True) if self.n_skills else table.weight[-1:]
        return torch.cat([known, fallback], dim=0)

    def item_difficulty(self, items: torch.Tensor) -> torch.Tensor:
        """Learnt ``mu_q`` of dense item slots (0 for the unknown slot)."""
        return self.difficulty[items] * (items < self.n_items)

    def question(self, items: torch.Tensor, skills: torch.Tensor) -> torch.Tensor:
        """``x_q = c_s + mu_q * d_s``."""
        mu = self.item_difficulty(items)
        return self._skill_table(self.skill)[skills] + mu.unsqueeze(-1) * self._skill_table(self.variation)[skills]

    def interaction(self, items: torch.Tensor, skills: torch.Tensor, correct: torch.Tensor) -> torch.Tensor:
        """``y = e_(s, r) + mu_q * f_s``: the answer on the skill, varied by the question."""
        answer = self.answer.weight.view(self.n_skills + 1, 2, -1)
        known = answer[: self.n_skills]
        table = torch.cat([known, known.mean(0, keepdim=True) if self.n_skills else answer[-1:]], dim=0)
        mu = self.item_difficulty(items)
        picked = table[skills, correct.long()]
        return picked + mu.unsqueeze(-1) * self._skill_table(self.answer_variation)[skills]

    def split(self, x: torch.Tensor) -> torch.Tensor:
        """(..., size) -> (..., heads, head_size)."""
        return x.view(*x.shape[:-1], self.heads, self.head_size)

    def rates(self) -> torch.Tensor:
        """Attention logits lost per answer of distance, one per head."""
        return F.softplus(self.decay)

    # ----- attention --------------------------------------------------------------------------
    def attend(self, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, distance: torch.Tensor,
               allowed: torch.Tensor) -> torch.Tensor:
        """Attention of queries (..., Q, H, D) over keys/values (..., K, H, D) with the null slot.

        ``distance`` (Q, K) in answers; ``allowed`` (..., Q, K). Returns (..., Q, H * D).
        """
        scale = 1.0 / math.sqrt(self.head_size)
        scores = torch.einsum("...qhd,...khd->...hqk", query, keys) * scale
        scores = scores - self.rates().view(-1, 1, 1) * distance.to(scores.dtype)
        scores = scores.masked_fill(~allowed.unsqueeze(-3), float("-inf"))
        null = torch.einsum("...qhd,hd->...hq", query, self.null_key.to(query.dtype)).unsqueeze(-1) * scale
        weights = torch.softmax(torch.cat([null, scores], dim=-1), dim=-1)
        out = (weights[..., :1] * self.null_value.to(query.dtype).unsqueeze(-2)
               + torch.einsum("...hqk,...khd->...hqd", weights[..., 1:], values))
        out = out.transpose(-3, -2)  # (..., Q, H, D)
        return out.reshape(*out.shape[:-2], -1)

    def readout(self, attended: torch.Tensor, question: torch.Tensor, mu: torch.Tensor) -> torch.Tensor:
        """Logit of answering right, from what the history says and the question itself."""
        joined = torch.cat([self.dropout(self.merge(attended)), question], dim=-1)
        logit: torch.Tensor = self.head(joined).squeeze(-1) - mu
        return logit

    def sequence_logits(self, items: torch.Tensor, skills: torch.Tensor, correct: torch.Tensor,
                        mask: torch.Tensor, chunk: int = 256) -> torch.Tensor:
        """Logit before every step of (B, T) padded sequences, each from the ``context`` answers
        before it; long sequences go in chunks of queries, so memory stays O(T * context)."""
        x = self.question(items, skills)
        y = self.interaction(items, skills, correct)
        query, keys, values = self.split(self.query(x)), self.split(self.key(x)), self.split(self.value(y))
        length = items.shape[1]
        out = []
        for start in range(0, length, chunk):
            stop = min(length, start + chunk)
            first = max(0, start - self.context)
            t = torch.arange(start, stop, device=items.device)[:, None]
            j = torch.arange(first, stop, device=items.device)[None, :]
            distance = t - j
            allowed = ((distance >= 1) & (distance <= self.context)).unsqueeze(0) & mask[:, None, first:stop]
            out.append(self.attend(query[:, start:stop], keys[:, first:stop], values[:, first:stop], distance, allowed))
        attended = torch.cat(out, dim=1)
        return self.readout(attended, x, self.item_difficulty(items))


@register("attention")
class AttentionTracer(TorchLearnerModel[AttentionTracerNet]):
    """Item-aware attention tracer (AKT / simpleKT style); see the module docstring."""

    config_class = AttentionConfig
    exposes_difficulty = True
    #: Sequences are long and attention is quadratic in the chunk: fewer learners per batch.
    evaluation_batch_size = 32

    def _build(self) -> AttentionTracerNet:
        return AttentionTracerNet(self.n_items, self.n_skills, self.config)

    def _sequence_logits(self, batch: SequenceBatch) -> torch.Tensor:
        return self.module.sequence_logits(batch.items, batch.skills, batch.correct, batch.mask)

    def training_loss(self, batch: SequenceBatch) -> torch.Tensor:
        loss = super().training_loss(batch)
        mu = self.module.item_difficulty(batch.items)
        weight = batch.loss_mask.float()
        total: torch.Tensor = loss + self.config.difficulty_l2 * (mu**2 * weight).sum() / weight.sum().clamp(min=1.0)
        return total

    def __init__(self, config: AttentionConfig | None = None) -> None:
        super().__init__(config)
        self._tables: _OnlineTables | None = None

    # ----- online: cached keys and values -----------------------------------------------------
    def _fit(self, *args: Any, **kwargs: Any) -> None:
        self._tables = None
        super()._fit(*args, **kwargs)
        self._tables = None

    def _load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        super()._load_weights(weights)
        self._tables = None

    @property
    def tables(self) -> _OnlineTables:
        """The network folded into NumPy tables for the online path (built once per set of weights)."""
        if self._tables is None:
            self._tables = _OnlineTables.build(self.module)
        return self._tables

    def init_state(self) -> State:
        size = self.config.model_size
        return {"keys": np.zeros((0, size), dtype=np.float32), "values": np.zeros((0, size), dtype=np.float32)}

    def _author_shift(self, items: np.ndarray, infos: Sequence[ItemInfo | None] | None) -> np.ndarray:
        """Logit shift from the author's difficulty, for questions never seen in training."""
        shift = np.zeros(len(items), dtype=np.float32)
        if infos is None:
            return shift
        for n, (item, info) in enumerate(zip(items, infos)):
            if item < 0 and info is not None and info.difficulty is not None:
                shift[n] = self.config.author_difficulty_step * (float(info.difficulty) - 3.0)
        return shift

    def _slot_arrays(self, items: np.ndarray, skills: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.where(items < 0, self.n_items, items), np.where(skills < 0, self.n_skills, skills)

    def _update(self, state: State, item: int, skill: int, correct: int, at: float = math.nan) -> State:
        items, skills = self._slot_arrays(np.array([item]), np.array([skill]))
        key, value = self.tables.encode(int(items[0]), int(skills[0]), int(correct))
        # The cache keeps what a prediction attends to: the last ``context`` answers.
        context = self.config.context
        return {"keys": np.concatenate([state["keys"], key[None, :]])[-context:],
                "values": np.concatenate([state["values"], value[None, :]])[-context:]}

    def _logits(self, state: State, items: np.ndarray, skills: np.ndarray) -> np.ndarray:
        item_slots, skill_slots = self._slot_arrays(items, skills)
        return self.tables.logits(np.asarray(state["keys"], dtype=np.float32),
                                  np.asarray(state["values"], dtype=np.float32), item_slots, skill_slots)

    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray, at: float = math.nan) -> np.ndarray:
        return _sigmoid(self._logits(state, items, skills))

    def predict(self, state: State, items: Sequence[RawId], skills: Sequence[RawId | None] | None = None,
                at: Moment = None, *, infos: Sequence[ItemInfo | None] | None = None) -> np.ndarray:
        """As :meth:`LearnerModel.predict`; a question never seen in training also reads the author's
        difficulty from ``infos``."""
        if infos is None:
            return super().predict(state, items, skills, at)
        skills = query_skills(items, skills, infos)
        item_index, skill_index = self._dense_query(items, skills)
        if len(item_index) == 0:
            return np.zeros(0, dtype=np.float64)
        shift = self._author_shift(item_index, infos)
        return self._calibrated(_sigmoid(self._logits(state, item_index, skill_index) - shift))

    def item_difficulty(self) -> np.ndarray:
        """Minus the logit a learner with no answers gets on each item (higher = harder)."""
        items = np.arange(self.n_items)
        return -self._logits(self.init_state(), items, self.item_skill[items])



def _sigmoid(logits: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))
    return result


@dataclass
class _OnlineTables:
    """The network as NumPy arrays, for one answer or one prediction at a time.

    Linear maps commute with the embeddings' sums, so the projections of every skill's embeddings
    are computed once: a query, key or value is then two rows and a scalar. A call costs a few NumPy
    operations instead of dozens of small torch ones. Float32 throughout, like the torch path.
    """

    n_items: int
    heads: int
    head_size: int
    difficulty: np.ndarray  # (n_items + 1,), 0 in the unknown slot
    query_skill: np.ndarray  # (n_skills + 1, size): Wq c_s, and Wq d_s below
    query_variation: np.ndarray
    key_skill: np.ndarray
    key_variation: np.ndarray
    value_answer: np.ndarray  # (n_skills + 1, 2, size): Wv e_(s, r) + b
    value_variation: np.ndarray  # Wv f_s
    question_skill: np.ndarray  # c_s and d_s, which the readout reads
    question_variation: np.ndarray
    rates: np.ndarray  # (heads,)
    null_key: np.ndarray  # (heads, head_size)
    null_value: np.ndarray
    merge_weight: np.ndarray
    merge_bias: np.ndarray
    hidden_weight: np.ndarray
    hidden_bias: np.ndarray
    out_weight: np.ndarray
    out_bias: np.ndarray

    @classmethod
    def build(cls, net: AttentionTracerNet) -> _OnlineTables:
        def array(tensor: torch.Tensor) -> np.ndarray:
            return tensor.detach().float().cpu().numpy().copy()

        hidden_layer, out_layer = cast(nn.Linear, net.head[0]), cast(nn.Linear, net.head[3])
        with torch.no_grad():
            skill, variation = net._skill_table(net.skill), net._skill_table(net.variation)
            answer = net.answer.weight.view(net.n_skills + 1, 2, -1)
            known = answer[: net.n_skills]
            answer = torch.cat([known, known.mean(0, keepdim=True) if net.n_skills else answer[-1:]], dim=0)
            answer_variation = net._skill_table(net.answer_variation)
            difficulty = net.difficulty.clone()
            difficulty[net.n_items] = 0.0
            return cls(
                n_items=net.n_items, heads=net.heads, head_size=net.head_size,
                difficulty=array(difficulty),
                query_skill=array(skill @ net.query.weight.T), query_variation=array(variation @ net.query.weight.T),
                key_skill=array(skill @ net.key.weight.T), key_variation=array(variation @ net.key.weight.T),
                value_answer=array(answer @ net.value.weight.T + net.value.bias),
                value_variation=array(answer_variation @ net.value.weight.T),
                question_skill=array(skill), question_variation=array(variation),
                rates=array(net.rates()), null_key=array(net.null_key), null_value=array(net.null_value),
                merge_weight=array(net.merge.weight), merge_bias=array(net.merge.bias),
                hidden_weight=array(hidden_layer.weight), hidden_bias=array(hidden_layer.bias),
                out_weight=array(out_layer.weight), out_bias=array(out_layer.bias),
            )

    def encode(self, item: int, skill: int, correct: int) -> tuple[np.ndarray, np.ndarray]:
        """Key and value of one answer (dense slots)."""
        mu = self.difficulty[item]
        key = self.key_skill[skill] + mu * self.key_variation[skill]
        value = self.value_answer[skill, correct] + mu * self.value_variation[skill]
        return key.astype(np.float32), value.astype(np.float32)

    def logits(self, keys: np.ndarray, values: np.ndarray, items: np.ndarray, skills: np.ndarray) -> np.ndarray:
        """Logit of each (item, skill) slot after the cached history ``keys``/``values`` (oldest first)."""
        heads, size = self.heads, self.head_size
        mu = self.difficulty[items][:, None]
        query = (self.query_skill[skills] + mu * self.query_variation[skills]).reshape(len(items), heads, size)
        scale = np.float32(1.0 / math.sqrt(size))
        n = len(keys)
        # (heads, queries, 1 + n): the null slot first, then the history, decayed by distance.
        null = np.einsum("qhd,hd->hq", query, self.null_key)[:, :, None] * scale
        history = np.einsum("qhd,nhd->hqn", query, keys.reshape(n, heads, size)) * scale
        history = history - self.rates[:, None, None] * np.arange(n, 0, -1, dtype=np.float32)[None, None, :]
        scores = np.concatenate([null, history], axis=-1)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        weights = scores / scores.sum(axis=-1, keepdims=True)
        attended = (weights[:, :, :1] * self.null_value[:, None, :]
                    + np.einsum("hqn,nhd->hqd", weights[:, :, 1:], values.reshape(n, heads, size)))
        attended = attended.transpose(1, 0, 2).reshape(len(items), heads * size)
        merged = attended @ self.merge_weight.T + self.merge_bias
        question = self.question_skill[skills] + mu * self.question_variation[skills]
        hidden = np.concatenate([merged, question], axis=1) @ self.hidden_weight.T + self.hidden_bias
        hidden = 0.5 * hidden * (1.0 + erf(hidden / np.float32(math.sqrt(2.0))))  # exact GELU, as torch's
        logit: np.ndarray = (hidden @ self.out_weight.T + self.out_bias)[:, 0] - mu[:, 0]
        return logit.astype(np.float64)
