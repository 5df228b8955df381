"""Checkpoints read without torch: the same values as torch.load, and only plain values."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from adaptive.core import create, load, split_learners
from adaptive.core.learners import NeedsTorch, SkillEloModel
from adaptive.core.learners.checkpoint import read_checkpoint
from adaptive.core.simulate import SimulatedLearners, simulate_learners


@pytest.fixture(scope="module")
def simulated() -> SimulatedLearners:
    return simulate_learners(n_learners=60, n_items=15, n_skills=3, seed=5)


def _same(ours: object, theirs: object) -> None:
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, np.ndarray) and ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours, theirs.numpy())
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for key in theirs:
            _same(ours[key], theirs[key])
    else:
        assert ours == theirs


@pytest.mark.parametrize(("name", "options"), [("skill_elo", {}), ("gru", {"hidden_size": 8, "max_epochs": 1})])
def test_it_reads_what_torch_reads(simulated: SimulatedLearners, tmp_path: Path, name: str, options: dict) -> None:
    torch.set_num_threads(2)
    train, valid = split_learners(simulated.log, 0.2, seed=0)
    path = create(name, **options).fit(train, valid, device="cpu", seed=0).save(tmp_path / f"{name}.pt")
    _same(read_checkpoint(path), torch.load(path, map_location="cpu", weights_only=True))


def test_a_skill_elo_checkpoint_loads_and_predicts_the_same_without_torch(simulated: SimulatedLearners,
                                                                          tmp_path: Path) -> None:
    train, valid = split_learners(simulated.log, 0.2, seed=0)
    fitted = create("skill_elo").fit(train, valid, seed=0)
    assert isinstance(fitted, SkillEloModel) and fitted.item_offset, "the fit should learn offsets to compare"
    path = fitted.save(tmp_path / "skill_elo.pt")
    loaded = load(path, torch_allowed=False)
    items = list(simulated.log.item_vocab.tokens)
    state = loaded.init_state()
    for item in items[:5]:
        state = loaded.update(state, item, True)
    np.testing.assert_allclose(loaded.predict(state, items), fitted.predict(state, items))
    assert loaded.item_offset == fitted.item_offset and loaded.config == fitted.config


def test_a_model_built_on_torch_is_not_loaded_where_torch_is_ruled_out(simulated: SimulatedLearners,
                                                                       tmp_path: Path) -> None:
    train, valid = split_learners(simulated.log, 0.2, seed=0)
    path = create("gru", hidden_size=8, max_epochs=1).fit(train, valid, device="cpu", seed=0).save(tmp_path / "gru.pt")
    with pytest.raises(NeedsTorch, match="gru"):
        load(path, torch_allowed=False)
    assert load(path).name == "gru", "with torch allowed it loads as before"


def test_it_refuses_a_checkpoint_naming_any_other_class(tmp_path: Path) -> None:
    path = SkillEloModel().save(tmp_path / "model.pt")
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    pkl = next(name for name in entries if name.endswith("/data.pkl"))
    entries[pkl] = pickle.dumps({"format": "pathwise-learner-model/1", "payload": Path("/etc/passwd")}, protocol=2)
    hostile = tmp_path / "hostile.pt"
    with zipfile.ZipFile(hostile, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="may not hold pathlib"):
        read_checkpoint(hostile)
    with pytest.raises(ValueError, match="not a readable"):
        read_checkpoint(_not_a_zip(tmp_path))


def _not_a_zip(folder: Path) -> Path:
    path = folder / "plain.pt"
    path.write_bytes(b"not a zip archive")
    return path
