"""The learner-model core: data, models, training and evaluation. No Django, no Celery.

Typical use::

    from adaptive.core import ResponseLog, split_learners, train_model, load

    log = ResponseLog.from_records(rows)            # (learner, item, skill(s), correct, timestamp)
    train, valid = split_learners(log, 0.1, seed=0)
    model = train_model("gru_pfa", train, valid, device="auto", checkpoint_path="m.pt")
    model = load("m.pt")
    state = model.init_state()
    state = model.update(state, item_id, correct=True)
    model.predict(state, [item_id, other_item_id])
"""

import importlib
from typing import Any

from adaptive.core.data import (
    DataFormatError,
    ResponseLog,
    Vocabulary,
    read_csv,
    read_log,
    read_three_line,
    split_learners,
)
from adaptive.core.evaluate import PromotionDecision, compare, evaluate, metrics_are_finite
from adaptive.core.learners import LearnerModel, State, create, load, state_from_bytes, state_to_bytes

# Imported when first asked for: training and the full registry of models need torch, which a
# process that only serves a model that runs without it (the web server) never imports.
_LAZY = {"train_model": "train", "MODEL_REGISTRY": "learners"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"adaptive.core.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MODEL_REGISTRY",
    "DataFormatError",
    "LearnerModel",
    "PromotionDecision",
    "ResponseLog",
    "State",
    "Vocabulary",
    "compare",
    "create",
    "evaluate",
    "load",
    "metrics_are_finite",
    "read_csv",
    "read_log",
    "read_three_line",
    "split_learners",
    "state_from_bytes",
    "state_to_bytes",
    "train_model",
]
