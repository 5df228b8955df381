"""The one interface every learner model implements, the registry, checkpoints and state bytes.

A learner's *state* is a ``dict[str, np.ndarray]``: small, model-specific, and independent of the
model object, so the product can store one per learner and call :meth:`LearnerModel.update` when a
new answer arrives, without refitting. Public methods take the product's raw ids; the model maps
them through the vocabularies it learnt in training, and ids it never saw fall back to the model's
"unknown" parameters instead of failing.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, TypeVar

import numpy as np
from scipy.optimize import minimize_scalar

from adaptive.core.data import RawId, ResponseLog, Vocabulary
from adaptive.core.learners.checkpoint import read_checkpoint

if TYPE_CHECKING:
    import torch

    from adaptive.core.train import Callback

State = dict[str, np.ndarray]
#: When an answer is given or a prediction is for: a datetime, seconds since the epoch, or None (unknown).
Moment = datetime | float | None
CHECKPOINT_FORMAT = "pathwise-learner-model/1"

MODEL_REGISTRY: dict[str, type[LearnerModel]] = {}
ModelT = TypeVar("ModelT", bound="type[LearnerModel]")
#: Names models were registered under before they were named for what they are. Checkpoints saved
#: under an old name load as the new one; ``create`` accepts them with a deprecation warning.
RENAMED_MODELS = {"rl2": "gru", "maml": "bayes_mirt", "hybrid": "gru_pfa"}


def current_name(name: str) -> str:
    """The registered name of ``name``, which may be a name used before a model was renamed."""
    return RENAMED_MODELS.get(name, name)


@dataclasses.dataclass(frozen=True)
class ItemInfo:
    """What the author says about a question, for models that can use it: every skill it practises
    (the author's order, the first being the main one), its difficulty on the author's 1-5 scale
    (3 = medium; None when not set, as in public data sets) and its type (``single``, ``numeric``…).

    Models that know only one skill per answer take the first; models that read ``ItemInfo`` give a
    question they never saw a prior from its difficulty and skills instead of a shared "unknown" slot.
    """

    skills: tuple[RawId, ...] = ()
    difficulty: float | None = None
    kind: str = ""


def register(name: str) -> Callable[[ModelT], ModelT]:
    """Class decorator adding a learner model to :data:`MODEL_REGISTRY` under ``name``."""

    def decorate(cls: ModelT) -> ModelT:
        if name in MODEL_REGISTRY:
            raise ValueError(f"learner model {name!r} is registered twice")
        cls.name = name
        MODEL_REGISTRY[name] = cls
        return cls

    return decorate


def create(name: str, config: Any | None = None, **overrides: Any) -> LearnerModel:
    """A fresh, unfitted model of the registered ``name``; ``overrides`` replace config fields.

    A former name (see :data:`RENAMED_MODELS`) still works, with a :class:`DeprecationWarning`."""
    if name in RENAMED_MODELS:
        warnings.warn(f"learner model {name!r} is now called {RENAMED_MODELS[name]!r}; the old name will go",
                      DeprecationWarning, stacklevel=2)
        name = RENAMED_MODELS[name]
    if name not in MODEL_REGISTRY:
        register_all()
    try:
        cls = MODEL_REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown learner model {name!r}; known: {', '.join(sorted(MODEL_REGISTRY))}") from None
    config = config if config is not None else cls.config_class()
    if overrides:
        config = dataclasses.replace(config, **overrides)
    return cls(config)


def seconds(at: Moment) -> float:
    """``at`` as seconds since the epoch, NaN when unknown."""
    if at is None:
        return math.nan
    if isinstance(at, datetime):
        return at.timestamp()
    return float(at)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` means CUDA when available, else CPU; anything else is passed to torch."""
    import torch

    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


_STATE_MAGIC = b"PWS1"
_STATE_DTYPES = frozenset({"<f4", "<f8", "<i4", "<i8", "|b1", "|u1"})


def state_to_bytes(state: State) -> bytes:
    """Serialise a learner state for storage: a short JSON header (name, dtype and shape of each
    array) and the arrays' raw bytes. No pickle, and fast: it runs twice for every answer."""
    arrays = {key: np.asarray(value) for key, value in state.items()}
    arrays = {key: a.astype(a.dtype.newbyteorder("<")) if a.dtype.byteorder == ">" else a for key, a in arrays.items()}
    header = json.dumps([[key, a.dtype.str, list(a.shape)] for key, a in arrays.items()]).encode()
    return b"".join([_STATE_MAGIC, len(header).to_bytes(4, "little"), header, *(a.tobytes() for a in arrays.values())])


def state_from_bytes(data: bytes) -> State:
    """Inverse of :func:`state_to_bytes` (it also reads the ``.npz`` archives stored before);
    refuses anything else, pickled objects included."""
    if data[:2] == b"PK":  # the earlier format
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    if data[:4] != _STATE_MAGIC:
        raise ValueError("not a stored learner state")
    size = int.from_bytes(data[4:8], "little")
    offset = 8 + size
    state: State = {}
    for key, dtype, shape in json.loads(data[8:offset]):
        if dtype not in _STATE_DTYPES:
            raise ValueError(f"a stored learner state may not hold {dtype} arrays")
        count = math.prod(shape)
        if offset + count * np.dtype(dtype).itemsize > len(data):
            raise ValueError("a stored learner state has trailing or missing bytes")
        array = np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(tuple(shape))
        state[key] = array.copy()  # writable, and independent of ``data``
        offset += array.nbytes
    if offset != len(data):
        raise ValueError("a stored learner state has trailing or missing bytes")
    return state


class LearnerModel(ABC):
    """Base class of every learner model.

    Subclasses set ``config_class`` (a dataclass) and implement the dense-index methods
    ``_fit``, ``init_state``, ``_update``, ``_predict``, ``_weights`` and ``_load_weights``.
    They may override :meth:`_predict_rows` with a vectorised version that must agree with
    replaying :meth:`init_state` / :meth:`_update` / :meth:`_predict` one row at a time.

    Questions of several skills: training and :meth:`predict_sequences` trace the log as
    :meth:`ResponseLog.expand_skills` lays it out (the answer applied once per skill, in the
    author's order; the prediction made before, on the main skill), and :meth:`update` with the
    question's :class:`ItemInfo` does the same online, so every tagged skill carries the evidence.
    ``_fit`` receives the expanded log and must leave its ``evidence_only`` rows out of any loss
    or statistic about predictions (they are the same answer again), while still tracing them.

    Calibration: after fitting, :meth:`calibrate` fits a temperature on held-out learners; every
    public prediction divides its logit by it (1 = unchanged).
    """

    name: ClassVar[str] = ""
    config_class: ClassVar[type] = object
    #: Whether ``item_difficulty`` means something for this model.
    exposes_difficulty: ClassVar[bool] = False
    #: Whether the trainer fits a temperature for this model's predictions (see :meth:`calibrate`).
    calibrates: ClassVar[bool] = True
    #: Whether the model reads every skill of a response from the log itself (``extra_row`` /
    #: ``extra_skill``); otherwise ``_fit`` gets the log expanded to one row per skill.
    reads_skill_lists: ClassVar[bool] = False
    #: Whether predicting and updating need torch. Those that do not (``skill_elo``) load and serve in
    #: a process that never imports it: ``load(..., torch_allowed=False)``.
    needs_torch: ClassVar[bool] = True

    @property
    def uses_time(self) -> bool:
        """Whether predictions depend on the time since earlier answers (then pass ``at``)."""
        return False

    def __init__(self, config: Any | None = None) -> None:
        self.config = config if config is not None else self.config_class()
        self.item_vocab = Vocabulary()
        self.skill_vocab = Vocabulary()
        self.item_skill = np.zeros(0, dtype=np.int64)
        self.training_info: dict[str, Any] = {}
        self._device: torch.device | None = None
        #: Logits are divided by this before they become probabilities (temperature scaling).
        self.temperature = 1.0

    @property
    def device(self) -> torch.device:
        """Where the model computes: the CPU unless fitting or loading chose another. torch is imported
        the first time this is read, which a model that needs no torch (``needs_torch`` False) never
        does outside training."""
        if self._device is None:
            import torch

            self._device = torch.device("cpu")
        return self._device

    @device.setter
    def device(self, value: torch.device) -> None:
        self._device = value

    # ----- vocabularies -------------------------------------------------------------------------
    @property
    def n_items(self) -> int:
        return len(self.item_vocab)

    @property
    def n_skills(self) -> int:
        return len(self.skill_vocab)

    def _adopt_vocabularies(self, log: ResponseLog) -> None:
        self.item_vocab = Vocabulary(list(log.item_vocab.tokens))
        self.skill_vocab = Vocabulary(list(log.skill_vocab.tokens))
        # An item's skill is the (main) one it was most often tagged with in training.
        scored = log.scored
        pairs = np.stack([log.item[scored], log.skill[scored]], axis=1)
        unique_pairs, counts = np.unique(pairs, axis=0, return_counts=True)
        item_skill = np.full(self.n_items, -1, dtype=np.int64)
        best = np.zeros(self.n_items, dtype=np.int64)
        for (item, skill), count in zip(unique_pairs, counts):
            if count > best[item]:
                best[item], item_skill[item] = count, skill
        self.item_skill = item_skill

    def dense_columns(self, log: ResponseLog) -> tuple[np.ndarray, np.ndarray]:
        """``log``'s items and skills as this model's dense indices (-1 where unknown)."""
        if log.item_vocab.tokens == self.item_vocab.tokens:
            items = log.item.copy()
        else:
            items = self.item_vocab.encode(log.item_vocab.tokens)[log.item] if len(log) else log.item.copy()
        if log.skill_vocab.tokens == self.skill_vocab.tokens:
            skills = log.skill.copy()
        else:
            skills = self.skill_vocab.encode(log.skill_vocab.tokens)[log.skill] if len(log) else log.skill.copy()
        return items, skills

    def _dense_query(self, items: Iterable[RawId], skills: Iterable[RawId | None] | None) -> tuple[np.ndarray, np.ndarray]:
        item_index = self.item_vocab.encode(items)
        skill_index = np.where(item_index >= 0, self.item_skill[np.maximum(item_index, 0)], -1) if len(item_index) else item_index.copy()
        if skills is not None:
            given = np.fromiter((-1 if s is None else self.skill_vocab.index(s) for s in skills), dtype=np.int64)
            if len(given) != len(item_index):
                raise ValueError("items and skills must have the same length")
            skill_index = np.where(given >= 0, given, skill_index)
        return item_index, skill_index

    # ----- training -----------------------------------------------------------------------------
    def fit(
        self,
        train_log: ResponseLog,
        valid_log: ResponseLog | None = None,
        *,
        device: str | torch.device = "auto",
        seed: int = 0,
        callbacks: Sequence[Callback] = (),
        progress: bool = False,
    ) -> LearnerModel:
        """Fit on ``train_log``; ``valid_log`` (held-out learners) drives early stopping/selection.

        ``_fit`` sees ``train_log`` with every skill of a multi-skill question as a row of its own
        (:meth:`ResponseLog.expand_skills`) unless the model ``reads_skill_lists``; ``valid_log`` is
        passed as it is.
        """
        import torch

        self.device = resolve_device(device)
        np.random.seed(seed)
        torch.manual_seed(seed)
        self.temperature = 1.0
        expanded = train_log if self.reads_skill_lists else train_log.expand_skills()[0]
        self._adopt_vocabularies(expanded)
        started = time.perf_counter()
        self._fit(expanded, valid_log, seed=seed, callbacks=callbacks, progress=progress)
        self.training_info["train_seconds"] = time.perf_counter() - started
        self.training_info["seed"] = seed
        self.training_info["train_responses"] = len(train_log)
        return self

    @abstractmethod
    def _fit(self, train_log: ResponseLog, valid_log: ResponseLog | None, *, seed: int,
             callbacks: Sequence[Callback], progress: bool) -> None:
        """Fit parameters; call the callbacks at least once, after fitting (epoch 1 for closed forms)."""

    def calibrate(self, valid_log: ResponseLog, predicted: np.ndarray | None = None) -> float:
        """Fit the temperature that minimises the log-loss of :meth:`predict_sequences` on
        ``valid_log`` (learners held out from training; never the test learners), keep and return it.

        Temperature scaling (Guo, Pleiss, Sun and Weinberger, "On calibration of modern neural
        networks", 2017) changes no ranking, so AUC is untouched; it corrects over- and
        under-confidence. Models with ``calibrates = False`` keep 1. ``predicted``: the model's
        uncalibrated predictions on ``valid_log``, when already at hand.
        """
        self.temperature = 1.0
        if not self.calibrates or len(valid_log) == 0:
            return self.temperature
        if predicted is None:
            predicted = self.predict_sequences(valid_log)
        self.temperature = fit_temperature(valid_log.correct, np.clip(np.nan_to_num(predicted, nan=0.5), 1e-6, 1 - 1e-6))
        self.training_info["temperature"] = self.temperature
        return self.temperature

    def _calibrated(self, probability: np.ndarray) -> np.ndarray:
        if self.temperature == 1.0:
            return probability
        return apply_temperature(probability, self.temperature)

    def _run_single_epoch_callbacks(self, callbacks: Sequence[Callback]) -> None:
        """For models fitted in one go: report one 'epoch' so validation/checkpoint callbacks run."""
        logs: dict[str, float] = {}
        for callback in callbacks:
            callback.on_fit_start(self)
        for callback in callbacks:
            callback.on_epoch_end(self, 1, logs)
        for callback in callbacks:
            callback.on_fit_end(self, logs)
        self.training_info.update({"epochs": 1, **{k: float(v) for k, v in logs.items()}})
        self.training_info["history"] = [{"epoch": 1, **logs}]

    # ----- online use ---------------------------------------------------------------------------
    @abstractmethod
    def init_state(self) -> State:
        """State of a learner with no answers yet: the prior learnt across learners."""

    @abstractmethod
    def _update(self, state: State, item: int, skill: int, correct: int, at: float = math.nan) -> State:
        """New state after one answer (dense indices, -1 unknown) given at ``at`` (seconds since
        the epoch, NaN unknown); must not modify ``state``."""

    @abstractmethod
    def _predict(self, state: State, items: np.ndarray, skills: np.ndarray, at: float = math.nan) -> np.ndarray:
        """P(correct) for dense ``items``/``skills`` (-1 unknown) if answered at ``at`` (NaN unknown)."""

    def update(self, state: State, item: RawId, correct: bool | int, skill: RawId | None = None,
               at: Moment = None, *, info: ItemInfo | None = None) -> State:
        """State after the learner answers ``item`` (raw id), ``correct`` 0/1, at ``at`` (a datetime
        or seconds since the epoch; None unknown); online, no refit. Models that see elapsed time
        (see :attr:`uses_time`) forget between answers only when told the times.

        With ``info`` (the author's description of the question), every skill it lists receives the
        evidence: models that trace one skill per step apply the answer once per skill, in order.
        """
        skills: list[RawId | None] = list(info.skills) if info is not None and info.skills else [skill]
        state_now = state
        for one in skills:
            items, dense = self._dense_query([item], None if one is None else [one])
            state_now = self._update(state_now, int(items[0]), int(dense[0]), int(bool(correct)), seconds(at))
        return state_now

    def predict(self, state: State, items: Sequence[RawId], skills: Sequence[RawId | None] | None = None,
                at: Moment = None, *, infos: Sequence[ItemInfo | None] | None = None) -> np.ndarray:
        """P(correct) on each of ``items`` (raw ids; unknown ids get the model's fallback), if
        answered at ``at`` (None: time unknown, as if straight after the last answer).

        ``infos`` (one per item, or None) describe the questions as their author did; models that do
        not read them use the first skill listed there when ``skills`` does not say.
        """
        skills = query_skills(items, skills, infos)
        item_index, skill_index = self._dense_query(items, skills)
        if len(item_index) == 0:
            return np.zeros(0, dtype=np.float64)
        return self._calibrated(np.asarray(self._predict(state, item_index, skill_index, seconds(at)), dtype=np.float64))

    def predict_skill(self, state: State, skill: RawId, at: Moment = None) -> float:
        """Mastery of ``skill`` at ``at``: the mean predicted success on the items of that skill."""
        skill_index = self.skill_vocab.index(skill)
        items = np.flatnonzero(self.item_skill == skill_index) if skill_index >= 0 else np.zeros(0, dtype=np.int64)
        if len(items) == 0:
            items = np.array([-1], dtype=np.int64)
        predicted = self._predict(state, items, np.full(len(items), skill_index, dtype=np.int64), seconds(at))
        return float(np.mean(self._calibrated(np.asarray(predicted, dtype=np.float64))))

    def predict_skills(self, state: State, skills: Sequence[RawId], at: Moment = None) -> np.ndarray:
        """:meth:`predict_skill` for many skills with one call to the model (for the real-time path)."""
        skill_index = np.fromiter((self.skill_vocab.index(s) for s in skills), dtype=np.int64, count=len(skills))
        groups = [np.flatnonzero(self.item_skill == k) if k >= 0 else np.zeros(0, dtype=np.int64) for k in skill_index]
        groups = [g if len(g) else np.array([-1], dtype=np.int64) for g in groups]
        if not groups:
            return np.zeros(0, dtype=np.float64)
        items = np.concatenate(groups)
        owners = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
        predicted = self._calibrated(np.asarray(self._predict(state, items, skill_index[owners], seconds(at)), dtype=np.float64))
        return np.bincount(owners, weights=predicted, minlength=len(groups)) / np.bincount(owners, minlength=len(groups))

    def predict_sequences(self, log: ResponseLog) -> np.ndarray:
        """For every response of ``log``, P(correct) given only that learner's earlier responses.

        Learners in ``log`` are treated as new: each starts from :meth:`init_state`. Every skill of
        an earlier response's question carries its evidence (see :meth:`ResponseLog.expand_skills`).
        """
        expanded, scored_rows = log.expand_skills()
        return self._calibrated(np.asarray(self._predict_rows(expanded), dtype=np.float64)[scored_rows])

    def _predict_rows(self, log: ResponseLog) -> np.ndarray:
        """P(correct) before every row of ``log`` (evidence-only rows included), uncalibrated."""
        items, skills = self.dense_columns(log)
        out = np.empty(len(log), dtype=np.float64)
        for seq in log.sequences():
            state = self.init_state()
            for t in range(seq.start, seq.stop):
                at = float(log.timestamp[t])
                out[t] = self._predict(state, items[t : t + 1], skills[t : t + 1], at)[0]
                state = self._update(state, int(items[t]), int(skills[t]), int(log.correct[t]), at)
        return out

    def item_difficulty(self) -> np.ndarray:
        """Learnt difficulty of each item (higher = harder), in ``item_vocab`` order."""
        raise NotImplementedError(f"{self.name} does not expose item difficulties")

    # ----- state bytes ---------------------------------------------------------------------------
    @staticmethod
    def state_to_bytes(state: State) -> bytes:
        """Serialise a learner state for a database column (see :func:`state_to_bytes`)."""
        return state_to_bytes(state)

    @staticmethod
    def state_from_bytes(data: bytes) -> State:
        """Rebuild a state stored with :meth:`state_to_bytes`."""
        return state_from_bytes(data)

    # ----- checkpoints --------------------------------------------------------------------------
    @abstractmethod
    def _weights(self) -> dict[str, torch.Tensor]:
        """Fitted parameters as CPU tensors."""

    @abstractmethod
    def _load_weights(self, weights: dict[str, torch.Tensor]) -> None:
        """Restore parameters saved by :meth:`_weights` (vocabularies are already set)."""

    def save(self, path: str | Path) -> Path:
        """Write one file that :func:`load` turns back into this model, with nothing guessed."""
        import torch

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        checkpoint = {
            "format": CHECKPOINT_FORMAT,
            "model": self.name,
            "class": type(self).__qualname__,
            "config": dataclasses.asdict(self.config),
            "item_vocab": list(self.item_vocab.tokens),
            "skill_vocab": list(self.skill_vocab.tokens),
            "item_skill": torch.from_numpy(self.item_skill.copy()),
            "weights": {k: v.detach().cpu() for k, v in self._weights().items()},
            # Through JSON so only plain numbers and strings reach the file.
            "training": json.loads(json.dumps(_jsonable(self.training_info))),
            "calibration": {"temperature": float(self.temperature)},
        }
        tmp = path.with_name(path.name + ".tmp")
        torch.save(checkpoint, tmp)
        tmp.replace(path)
        return path


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    return value


class NeedsTorch(Exception):
    """The checkpoint's model computes with torch, and the caller asked to load without it."""


def query_skills(items: Sequence[RawId], skills: Sequence[RawId | None] | None,
                 infos: Sequence[ItemInfo | None] | None) -> Sequence[RawId | None] | None:
    """``skills`` for a query on ``items``, each one it leaves unsaid taken from the question's
    description in ``infos`` (its first skill), when there are descriptions."""
    if infos is None:
        return skills
    if len(infos) != len(items):
        raise ValueError("items and infos must have the same length")
    given = list(skills) if skills is not None else [None] * len(items)
    return [g if g is not None else (i.skills[0] if i is not None and i.skills else None)
            for g, i in zip(given, infos)]


def register_all() -> None:
    """Import every learner model's module, so :data:`MODEL_REGISTRY` names them all (most of them
    import torch)."""
    from adaptive.core.learners import attention, baselines, neural, skill_elo  # noqa: F401


def load(path: str | Path | BinaryIO, device: str | torch.device = "cpu", *, torch_allowed: bool = True) -> LearnerModel:
    """Rebuild any registered learner model from a file written by :meth:`LearnerModel.save`, given
    its path or its bytes opened for reading (a checkpoint read from object storage).

    The file is read without torch (:func:`~adaptive.core.learners.checkpoint.read_checkpoint`);
    torch is imported only for a model that ``needs_torch``, and with ``torch_allowed=False`` such a
    model raises :class:`NeedsTorch` instead."""
    checkpoint = read_checkpoint(path)
    if checkpoint.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path}: not a learner-model checkpoint (format {checkpoint.get('format')!r})")
    name = current_name(checkpoint["model"])  # checkpoints saved before a model was renamed
    # skill_elo, which needs no torch, is registered with the package (adaptive/core/learners/__init__.py).
    if name not in MODEL_REGISTRY and torch_allowed:
        register_all()
    if name not in MODEL_REGISTRY and not torch_allowed:
        raise NeedsTorch(f"{path}: model {name!r} is not one that runs without torch")
    if name not in MODEL_REGISTRY:
        raise ValueError(f"{path}: model {name!r} is not registered; known: {', '.join(sorted(MODEL_REGISTRY))}")
    cls = MODEL_REGISTRY[name]
    if cls.needs_torch and not torch_allowed:
        raise NeedsTorch(f"{path}: model {name!r} computes with torch")
    config = cls.config_class(**checkpoint["config"])
    model = cls(config)
    model.item_vocab = Vocabulary(list(checkpoint["item_vocab"]))
    model.skill_vocab = Vocabulary(list(checkpoint["skill_vocab"]))
    model.item_skill = np.asarray(checkpoint["item_skill"]).astype(np.int64)
    model.training_info = dict(checkpoint["training"])
    model.temperature = float(checkpoint.get("calibration", {}).get("temperature", 1.0))
    weights = checkpoint["weights"]
    if cls.needs_torch:
        import torch

        weights = {key: torch.from_numpy(np.array(value)) for key, value in weights.items()}
    if cls.needs_torch or str(device) != "cpu":
        model.device = resolve_device(device)
    model._load_weights(weights)
    return model


def fit_temperature(correct: np.ndarray, predicted: np.ndarray) -> float:
    """The temperature ``T`` minimising the log-loss of ``sigmoid(logit(predicted) / T)``."""
    y = np.asarray(correct, dtype=np.float64)
    z = np.log(predicted) - np.log1p(-predicted)
    if len(y) == 0 or len(np.unique(y)) < 2:
        return 1.0

    def loss(log_t: float) -> float:
        scaled = z / math.exp(log_t)
        return float(np.mean(np.logaddexp(0.0, scaled) - y * scaled))

    result = minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded", options={"xatol": 1e-6})
    return float(math.exp(result.x)) if result.success else 1.0


def apply_temperature(probability: np.ndarray, temperature: float) -> np.ndarray:
    """``probability`` with its logit divided by ``temperature``."""
    p = np.clip(probability, 1e-12, 1 - 1e-12)
    tempered: np.ndarray = 1.0 / (1.0 + np.exp(-(np.log(p) - np.log1p(-p)) / temperature))
    return tempered
