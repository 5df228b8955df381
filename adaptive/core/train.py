"""Training: a trainer that knows nothing about the model, and callbacks for validation and checkpoints.

``train_model`` is the entry point: it fits any registered model (closed-form baselines and torch
models alike) with validation, early stopping and a checkpoint with its metrics JSON beside it.
The :class:`Trainer` runs gradient descent for :class:`TrainableModel`\\ s through four methods
(``module``, ``training_batches``, ``training_loss`` and the config fields) and nothing else.
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from tqdm.auto import tqdm

from adaptive.core.data import ResponseLog
from adaptive.core.evaluate import evaluate, prediction_metrics
from adaptive.core.learners.base import ItemInfo, LearnerModel, _jsonable, create, resolve_device

if TYPE_CHECKING:  # imported where used: the product imports this module, and only training needs torch
    import torch


def seed_everything(seed: int) -> None:
    """Fix Python, numpy and torch seeds so a run is repeatable given the seed."""
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Callback:
    """Hooks called by the training loop; ``on_epoch_end`` may add to ``logs`` and return True to stop."""

    def on_fit_start(self, model: LearnerModel) -> None:
        pass

    def on_epoch_end(self, model: LearnerModel, epoch: int, logs: dict[str, float]) -> bool:
        return False

    def on_fit_end(self, model: LearnerModel, logs: dict[str, float]) -> None:
        pass


class ValidationCallback(Callback):
    """Scores the model on held-out learners after every epoch (``valid_auc``, ``valid_logloss``)."""

    def __init__(self, valid_log: ResponseLog) -> None:
        self.valid_log = valid_log
        self.last_metrics: dict[str, Any] = {}

    def on_epoch_end(self, model: LearnerModel, epoch: int, logs: dict[str, float]) -> bool:
        self.last_metrics = evaluate(model, self.valid_log, timing=False)
        logs["valid_auc"] = self.last_metrics["auc"]
        logs["valid_logloss"] = self.last_metrics["logloss"]
        return False


class EarlyStopping(Callback):
    """Stops when ``monitor`` has not improved for ``patience`` epochs; restores the best weights."""

    def __init__(self, monitor: str = "valid_auc", patience: int = 3, min_delta: float = 1e-4) -> None:
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.best = -math.inf
        self.best_epoch = 0
        self.best_weights: dict[str, torch.Tensor] | None = None

    def on_epoch_end(self, model: LearnerModel, epoch: int, logs: dict[str, float]) -> bool:
        value = logs.get(self.monitor, math.nan)
        if math.isfinite(value) and value > self.best + self.min_delta:
            self.best, self.best_epoch = value, epoch
            self.best_weights = copy.deepcopy(model._weights())
        logs["best_epoch"] = self.best_epoch
        return epoch - self.best_epoch >= self.patience

    def on_fit_end(self, model: LearnerModel, logs: dict[str, float]) -> None:
        if self.best_weights is not None:
            model._load_weights(self.best_weights)
            logs[f"best_{self.monitor}"] = self.best
            logs["best_epoch"] = self.best_epoch


class CheckpointCallback(Callback):
    """Writes the model and ``<checkpoint>.metrics.json`` at the end of fitting (best weights)."""

    def __init__(self, path: str | Path, extra: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self.extra = extra or {}
        self.history: list[dict[str, float]] = []

    def on_epoch_end(self, model: LearnerModel, epoch: int, logs: dict[str, float]) -> bool:
        self.history.append({"epoch": epoch, **logs})
        return False

    def on_fit_end(self, model: LearnerModel, logs: dict[str, float]) -> None:
        model.training_info["history"] = self.history
        model.save(self.path)
        write_metrics(metrics_path(self.path), {"model": model.name, "final": dict(logs), "history": self.history, **self.extra})


def metrics_path(checkpoint_path: str | Path) -> Path:
    """Where the metrics JSON of a checkpoint lives: beside it, ``<name>.metrics.json``."""
    path = Path(checkpoint_path)
    return path.with_name(path.stem + ".metrics.json")


def write_metrics(path: str | Path, metrics: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(_jsonable(metrics), indent=2, sort_keys=True) + "\n", encoding="utf-8")


class TrainableModel(Protocol):
    """What the trainer needs from a gradient-trained model."""

    config: Any  # with learning_rate, weight_decay, max_epochs, gradient_clip
    device: torch.device

    @property
    def module(self) -> torch.nn.Module: ...

    def training_batches(self, log: ResponseLog, rng: np.random.Generator) -> Iterable[Any]: ...

    def training_loss(self, batch: Any) -> torch.Tensor: ...


class Trainer:
    """Mini-batch gradient descent with AdamW, gradient clipping, callbacks and a progress bar.

    With ``average_epochs`` (such as 3), a moving average of the weights is kept alongside them
    (Polyak averaging): it starts from the weights at the end of the first epoch and then follows
    them with a time constant of that many epochs (an exponential moving average whose decay per
    step is ``1 - 1 / (average_epochs * steps in the first epoch)``, so the same on a small log as
    on a large one). The callbacks see the average at the end of every epoch, so validation and
    early stopping judge it, and it is the model that training leaves behind; the steps themselves
    go on from the raw weights.

    With ``mixed_precision`` and a model on a CUDA device, the loss is computed under
    ``torch.autocast`` in bfloat16; on the CPU the flag changes nothing.
    """

    def __init__(self, *, max_epochs: int, learning_rate: float, weight_decay: float = 0.0,
                 gradient_clip: float = 1.0, average_epochs: float = 0.0, mixed_precision: bool = False,
                 seed: int = 0, progress: bool = True) -> None:
        if not (average_epochs >= 0.0 and math.isfinite(average_epochs)):
            raise ValueError(f"average_epochs must be a number of epochs, 0 or more, not {average_epochs}")
        self.max_epochs = max_epochs
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.gradient_clip = gradient_clip
        self.average_epochs = average_epochs
        self.mixed_precision = mixed_precision
        self.seed = seed
        self.progress = progress

    def fit(self, model: Any, train_log: ResponseLog, callbacks: Sequence[Callback] = ()) -> dict[str, float]:
        """Train ``model`` (a :class:`TrainableModel` and :class:`LearnerModel`); returns final logs."""
        import torch

        seed_everything(self.seed)
        rng = np.random.default_rng(self.seed)
        module = model.module
        optimizer = torch.optim.AdamW(module.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay)
        average: dict[str, torch.Tensor] | None = None
        steps, horizon = 0, 1.0
        logs: dict[str, float] = {}
        self.history: list[dict[str, float]] = []
        # bfloat16 autocast on CUDA only (no loss scaling needed, unlike float16); the CPU path is
        # unchanged. Validation and checkpoints see float32 weights either way.
        autocast = bool(self.mixed_precision and model.device.type == "cuda")
        for callback in callbacks:
            callback.on_fit_start(model)
        bar: Iterable[int] = range(1, self.max_epochs + 1)
        if self.progress:
            bar = tqdm(bar, desc=f"train {model.name}", unit="epoch", leave=False, dynamic_ncols=True)
        for epoch in bar:
            module.train()
            total, count = 0.0, 0
            for batch in model.training_batches(train_log, rng):
                with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=autocast):
                    loss = model.training_loss(batch)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if self.gradient_clip:
                    torch.nn.utils.clip_grad_norm_(module.parameters(), self.gradient_clip)
                optimizer.step()
                steps += 1
                if average is not None:
                    _move_average(average, module, 1.0 / horizon)
                total += float(loss.detach())
                count += 1
            module.eval()
            logs = {"epoch": epoch, "train_loss": total / max(count, 1)}
            stop = False
            raw = None
            if self.average_epochs:  # the callbacks judge (and early stopping keeps) the average
                if average is None:  # it starts from the first epoch's last weights
                    average = {key: value.detach().clone() for key, value in module.state_dict().items()}
                    horizon = max(1.0, self.average_epochs * steps)
                raw = copy.deepcopy(module.state_dict())
                module.load_state_dict(average)
            with torch.no_grad():
                for callback in callbacks:
                    stop = callback.on_epoch_end(model, epoch, logs) or stop
            if raw is not None and not stop and epoch < self.max_epochs:
                module.load_state_dict(raw)
            self.history.append(dict(logs))
            if isinstance(bar, tqdm):
                bar.set_postfix(loss=f"{logs['train_loss']:.4f}", valid_auc=f"{logs.get('valid_auc', math.nan):.4f}")
            if stop:
                break
        for callback in callbacks:
            callback.on_fit_end(model, logs)
        if isinstance(bar, tqdm):
            bar.close()
        return logs


def _move_average(average: dict[str, torch.Tensor], module: torch.nn.Module, weight: float) -> None:
    """Move ``average`` a share ``weight`` of the way towards ``module``'s current weights."""
    import torch

    with torch.no_grad():
        for key, value in module.state_dict().items():
            if value.is_floating_point():
                average[key].lerp_(value, weight)
            else:
                average[key].copy_(value)


def train_model(
    name: str,
    train_log: ResponseLog,
    valid_log: ResponseLog | None = None,
    *,
    config: Any | None = None,
    device: str | torch.device = "auto",
    seed: int = 0,
    checkpoint_path: str | Path | None = None,
    progress: bool = True,
    patience: int | None = None,
    catalogue: Mapping[Any, ItemInfo] | None = None,
    **config_overrides: Any,
) -> LearnerModel:
    """Fit the registered model ``name`` and, with ``checkpoint_path``, save it plus its metrics JSON.

    ``valid_log`` should hold whole learners not in ``train_log``; it drives early stopping, then
    calibration (a temperature fitted on its learners, after the best weights are restored; see
    :meth:`LearnerModel.calibrate`), and the validation metrics stored in
    ``model.training_info["valid"]`` and the JSON. Nothing here reads a test set. ``catalogue`` (item
    id to :class:`ItemInfo`) reaches models that read the author's descriptions of the questions.
    """
    model = create(name, config, **config_overrides)
    if catalogue and hasattr(model, "set_catalogue"):
        model.set_catalogue(catalogue)  # models that read the author's descriptions of the questions
    callbacks: list[Callback] = []
    validation = None
    held_out = valid_log if valid_log is not None and len(valid_log) else None
    if held_out is not None:
        validation = ValidationCallback(held_out)
        stop_patience = patience if patience is not None else getattr(model.config, "patience", 3)
        callbacks += [validation, EarlyStopping("valid_auc", patience=stop_patience)]
    model.fit(train_log, valid_log, device=resolve_device(device), seed=seed, callbacks=callbacks, progress=progress)
    if held_out is not None:
        # Metrics of the restored best weights, not of the last epoch, after calibration.
        raw = model.predict_sequences(held_out)
        model.training_info["valid_ece_uncalibrated"] = prediction_metrics(held_out.correct, raw)["ece"]
        model.calibrate(held_out, predicted=raw)
        calibrated = model._calibrated(raw)
        model.training_info["valid"] = {k: v for k, v in evaluate(model, held_out, timing=False, predicted=calibrated).items()
                                        if k != "calibration"}
    if checkpoint_path is not None:
        model.save(checkpoint_path)
        write_metrics(metrics_path(checkpoint_path), {"model": model.name, "seed": seed, **model.training_info})
    return model
