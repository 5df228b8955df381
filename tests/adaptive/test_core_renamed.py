"""Models named for what they are: checkpoints and commands that use the former names still work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from adaptive.benchmark import _model_names
from adaptive.core import MODEL_REGISTRY, create, load, split_learners
from adaptive.core.learners import RENAMED_MODELS, BayesMIRTModel, GRUPFATracer, GRUTracer
from adaptive.core.simulate import simulate_learners

TINY = {
    "gru": {"hidden_size": 16, "embedding_size": 8, "max_epochs": 2, "batch_size": 16},
    "gru_pfa": {"hidden_size": 16, "embedding_size": 8, "max_epochs": 2, "batch_size": 16},
    "bayes_mirt": {"ability_size": 2, "max_epochs": 2, "batch_size": 32},
}


def test_the_registry_uses_only_the_new_names() -> None:
    assert {"gru", "gru_pfa", "bayes_mirt"} <= set(MODEL_REGISTRY)
    assert not set(RENAMED_MODELS) & set(MODEL_REGISTRY)
    assert (MODEL_REGISTRY["gru"], MODEL_REGISTRY["gru_pfa"], MODEL_REGISTRY["bayes_mirt"]) == (GRUTracer, GRUPFATracer, BayesMIRTModel)


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED_MODELS.items()))
def test_a_checkpoint_saved_under_the_former_name_loads_as_the_new_one(old: str, new: str, tmp_path: Path) -> None:
    torch.set_num_threads(2)
    train, valid = split_learners(simulate_learners(n_learners=60, seed=2).log, 0.25, seed=0)
    model = create(new, **TINY[new]).fit(train, valid, device="cpu", seed=0)
    model.temperature = 1.3
    path = model.save(tmp_path / "model.pt")
    # What an earlier release wrote: the same file with the former name in its "model" field.
    checkpoint = torch.load(path, weights_only=True)
    checkpoint["model"] = old
    torch.save(checkpoint, path)
    loaded = load(path)
    assert type(loaded) is type(model) and loaded.name == new and loaded.temperature == 1.3
    np.testing.assert_allclose(loaded.predict_sequences(valid), model.predict_sequences(valid), rtol=1e-5)


@pytest.mark.parametrize(("old", "new"), sorted(RENAMED_MODELS.items()))
def test_the_former_names_still_create_with_a_deprecation_warning(old: str, new: str) -> None:
    with pytest.warns(DeprecationWarning, match=new):
        model = create(old)
    assert model.name == new


def test_the_benchmark_takes_the_former_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert _model_names("pfa,rl2,hybrid,maml") == ["pfa", "gru", "gru_pfa", "bayes_mirt"]
    assert "now called 'gru'" in capsys.readouterr().err
    assert not set(_model_names("all")) & set(RENAMED_MODELS)
