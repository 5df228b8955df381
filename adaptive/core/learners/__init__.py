"""Learner models behind one interface (:class:`LearnerModel`), and the registry of their names."""

from adaptive.core.learners.base import (
    ItemInfo,
    MODEL_REGISTRY,
    LearnerModel,
    State,
    create,
    load,
    register,
    resolve_device,
    state_from_bytes,
    state_to_bytes,
)
from adaptive.core.learners.baselines import BKTModel, EloModel, PFAModel, SkillMeanModel
from adaptive.core.learners.neural import GRUTracer, HybridTracer, MAMLModel
from adaptive.core.learners.skill_elo import SkillEloConfig, SkillEloModel

__all__ = [
    "MODEL_REGISTRY", "ItemInfo", "LearnerModel", "State", "create", "load", "register", "resolve_device",
    "state_from_bytes", "state_to_bytes", "BKTModel", "EloModel", "PFAModel", "SkillMeanModel",
    "GRUTracer", "HybridTracer", "MAMLModel", "SkillEloConfig", "SkillEloModel",
]
