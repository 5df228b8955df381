"""The item-aware attention tracer: its online path, checkpoints, unseen questions and invariants."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from adaptive.core import create, load, split_learners
from adaptive.core.invariants import CourseSpec, check_invariants
from adaptive.core.learners import AttentionTracer, ItemInfo
from adaptive.core.learners.attention import AttentionConfig
from adaptive.core.learners.checkpoint import read_checkpoint
from adaptive.core.simulate import SimulatedLearners, simulate_learners
from adaptive.core.train import Trainer

TINY: dict[str, Any] = {"model_size": 16, "heads": 2, "hidden_size": 24, "max_epochs": 3, "batch_size": 16, "learning_rate": 1e-2,
        "context": 12}


@pytest.fixture(scope="module")
def simulated() -> SimulatedLearners:
    return simulate_learners(n_learners=80, n_items=20, n_skills=4, seed=11)


@pytest.fixture(scope="module")
def fitted(simulated: SimulatedLearners) -> AttentionTracer:
    torch.set_num_threads(2)
    train, valid = split_learners(simulated.log, 0.2, seed=0)
    model = create("attention", **TINY).fit(train, valid, device="cpu", seed=0)
    assert isinstance(model, AttentionTracer)
    return model


def _replay(model: AttentionTracer, log: object) -> np.ndarray:
    """Predict then update one answer at a time through the public API."""
    out = []
    for seq in log.sequences():  # type: ignore[attr-defined]
        state = model.init_state()
        for item, skill, correct in zip(log.raw_items()[seq], log.raw_skills()[seq], log.correct[seq]):  # type: ignore[attr-defined]
            out.append(model.predict(state, [item], [skill])[0])
            state = model.update(state, item, int(correct), skill)
    return np.asarray(out)


def test_the_online_path_equals_a_full_re_encode_of_the_history(fitted: AttentionTracer,
                                                                 simulated: SimulatedLearners) -> None:
    # Learners answer more than ``context`` (12) questions, so the cache also drops the oldest answers.
    log = simulated.log.subset_learners(np.unique(simulated.log.learner)[:6])
    assert np.bincount(log.learner).max() > TINY["context"]
    np.testing.assert_allclose(_replay(fitted, log), fitted.predict_sequences(log), rtol=0, atol=1e-5)


def test_the_state_caches_keys_and_values_of_at_most_context_answers(fitted: AttentionTracer) -> None:
    state = fitted.init_state()
    for n in range(20):
        state = fitted.update(state, str(n % 5), n % 2)
    assert state["keys"].shape == state["values"].shape == (TINY["context"], TINY["model_size"])
    before = state["keys"].copy()
    fitted.update(state, "1", True)
    np.testing.assert_array_equal(state["keys"], before)  # the old state is untouched


def test_queries_in_chunks_equal_one_chunk(fitted: AttentionTracer, simulated: SimulatedLearners) -> None:
    net = fitted.module
    log = simulated.log.subset_learners(np.unique(simulated.log.learner)[:4])
    _, batch = next(iter(fitted._sequence_batches(log, 4)))
    with torch.no_grad():
        whole = net.sequence_logits(batch.items, batch.skills, batch.correct, batch.mask, chunk=1000)
        chunked = net.sequence_logits(batch.items, batch.skills, batch.correct, batch.mask, chunk=5)
    torch.testing.assert_close(chunked, whole, rtol=0, atol=1e-5)


def test_a_checkpoint_round_trips(fitted: AttentionTracer, simulated: SimulatedLearners, tmp_path: Path) -> None:
    path = fitted.save(tmp_path / "attention.pt")
    loaded = load(path)
    assert isinstance(loaded, AttentionTracer) and loaded.config == fitted.config
    np.testing.assert_array_equal(loaded.predict_sequences(simulated.log), fitted.predict_sequences(simulated.log))
    state = loaded.update(loaded.init_state(), "3", True)
    np.testing.assert_array_equal(loaded.predict(state, ["1", "2"]),
                                  fitted.predict(fitted.update(fitted.init_state(), "3", True), ["1", "2"]))
    # The torch-free reader sees the same weights.
    raw = read_checkpoint(path)
    assert raw["model"] == "attention"
    for key, value in fitted._weights().items():
        np.testing.assert_array_equal(raw["weights"][key], value.numpy())


def test_an_unseen_question_falls_back_to_its_skill_and_the_authors_difficulty(fitted: AttentionTracer) -> None:
    state = fitted.update(fitted.init_state(), "2", True)
    skill = fitted.skill_vocab.tokens[0]
    easy, medium, hard = fitted.predict(state, ["new-1", "new-2", "new-3"],
                                        infos=[ItemInfo((skill,), 1.0), ItemInfo((skill,), 3.0), ItemInfo((skill,), 5.0)])
    assert easy > medium > hard
    # Difficulty 3 (or none) is the skill's own prediction for a question never seen.
    assert medium == pytest.approx(fitted.predict(state, ["new-4"], [skill])[0])
    # A question seen in training keeps its learnt difficulty whatever the author says.
    seen = fitted.item_vocab.tokens[1]
    np.testing.assert_array_equal(fitted.predict(state, [seen], infos=[ItemInfo((skill,), 5.0)]),
                                  fitted.predict(state, [seen], infos=[ItemInfo((skill,), 1.0)]))


def test_the_invariants_refuse_it_where_unseen_skills_share_a_history(fitted: AttentionTracer) -> None:
    course = CourseSpec("tiny", {"a1": ItemInfo(("a",), 1.0), "a2": ItemInfo(("a",), 4.0), "b1": ItemInfo(("b",), 2.0)})
    report = check_invariants(fitted, [course])
    assert not report.passed
    assert any("takes another's history" in failure for failure in report.failures)


def test_update_and_predict_take_under_two_ms_with_a_history_of_200(simulated: SimulatedLearners) -> None:
    torch.set_num_threads(1)
    model = create("attention", max_epochs=1).fit(simulated.log, None, device="cpu", seed=0)
    state = model.init_state()
    for n in range(200):
        state = model.update(state, str(n % 20), n % 2)
    timings = []
    for n in range(60):
        started = time.perf_counter()
        model.predict(model.update(state, str(n % 20), n % 2), [str(n % 20)])
        timings.append(time.perf_counter() - started)
    assert 1000 * float(np.median(timings)) < 2.0


def test_on_the_cpu_the_gpu_settings_change_nothing(simulated: SimulatedLearners) -> None:
    train, valid = split_learners(simulated.log, 0.2, seed=0)
    model = AttentionTracer(AttentionConfig(**{**TINY, "max_epochs": 1}))
    assert model.training_batch_size == TINY["batch_size"]  # cuda_batch_size is for CUDA only
    plain = create("attention", **{**TINY, "max_epochs": 1, "mixed_precision": False}).fit(train, valid, device="cpu", seed=3)
    mixed = create("attention", **{**TINY, "max_epochs": 1, "mixed_precision": True}).fit(train, valid, device="cpu", seed=3)
    np.testing.assert_array_equal(plain.predict_sequences(valid), mixed.predict_sequences(valid))
    assert Trainer(max_epochs=1, learning_rate=1e-3, mixed_precision=True).mixed_precision


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_cuda_it_trains_in_large_batches_under_autocast(simulated: SimulatedLearners) -> None:
    train, valid = split_learners(simulated.log, 0.2, seed=0)
    model = AttentionTracer(AttentionConfig(**{**TINY, "cuda_batch_size": 64})).fit(train, valid, device="cuda", seed=0)
    assert isinstance(model, AttentionTracer) and model.training_batch_size == 64
    predicted = model.predict_sequences(valid)
    assert np.all(np.isfinite(predicted))
