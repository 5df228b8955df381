"""Learner models behind one interface (:class:`LearnerModel`), and the registry of their names.

``skill_elo`` runs on NumPy alone and is imported with the package; the models built on torch (and
the baselines, which use it too) are imported the first time one of them, or the full
:data:`MODEL_REGISTRY`, is asked for, so a process that serves ``skill_elo`` never imports torch.
"""

import importlib
from typing import Any

from adaptive.core.learners import base
from adaptive.core.learners.base import (
    RENAMED_MODELS,
    ItemInfo,
    LearnerModel,
    NeedsTorch,
    State,
    create,
    load,
    register,
    register_all,
    resolve_device,
    state_from_bytes,
    state_to_bytes,
)
from adaptive.core.learners.skill_elo import SkillEloConfig, SkillEloModel

_LAZY = {
    "AttentionTracer": "attention",
    "BKTModel": "baselines", "EloModel": "baselines", "PFAModel": "baselines", "SkillMeanModel": "baselines",
    "BayesMIRTModel": "neural", "GRUPFATracer": "neural", "GRUTracer": "neural",
}


def __getattr__(name: str) -> Any:
    if name == "MODEL_REGISTRY":
        register_all()
        return base.MODEL_REGISTRY
    if name in _LAZY:
        return getattr(importlib.import_module(f"adaptive.core.learners.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MODEL_REGISTRY",
    "RENAMED_MODELS",
    "AttentionTracer",
    "BKTModel",
    "BayesMIRTModel",
    "EloModel",
    "GRUPFATracer",
    "GRUTracer",
    "ItemInfo",
    "LearnerModel",
    "NeedsTorch",
    "PFAModel",
    "SkillEloConfig",
    "SkillEloModel",
    "SkillMeanModel",
    "State",
    "create",
    "load",
    "register",
    "register_all",
    "resolve_device",
    "state_from_bytes",
    "state_to_bytes",
]
