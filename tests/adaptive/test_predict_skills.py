"""The batched mastery used on the real-time path agrees with predict_skill for every model."""

from __future__ import annotations

import numpy as np
import pytest

from adaptive.core.learners import MODEL_REGISTRY, create
from adaptive.core.simulate import simulate_learners

NEURAL = {"gru", "gru_pfa", "bayes_mirt"}


@pytest.mark.parametrize("name", sorted(MODEL_REGISTRY))
def test_predict_skills_matches_predict_skill(name: str) -> None:
    log = simulate_learners(n_learners=40, seed=2).log
    model = create(name, max_epochs=1) if name in NEURAL else create(name)
    model.fit(log)
    state = model.update(model.update(model.init_state(), 3, 1), 4, 0)
    skills = [*model.skill_vocab.tokens, "a-skill-never-seen"]
    expected = np.array([model.predict_skill(state, s) for s in skills])
    assert np.allclose(model.predict_skills(state, skills), expected)
    assert model.predict_skills(state, []).shape == (0,)
