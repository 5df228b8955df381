"""The few-shot skill tagger, on generated banks where the right skill is known: each skill has its
own vocabulary, and every question mixes it with words every skill uses. No Django."""

from __future__ import annotations

import random
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from adaptive.core import tagging
from adaptive.core.tagging import (
    DEFAULT_TEMPERATURE,
    LsaEncoder,
    MetaConfig,
    PrototypeTagger,
    TaggedText,
    build_tagger,
    calibration_report,
    evaluate_few_shot,
    few_shot_split,
    fit_temperature,
    meta_train,
    question_text,
)

ROOT = Path(__file__).resolve().parents[2]
COMMON = ["what", "which", "value", "the", "of", "a", "is", "in", "number", "find", "shown", "here", "answer", "correct", "choose", "below", "data", "table", "chart", "result", "explain", "why", "because", "true", "false"]


def skill_vocabulary(n_skills: int, words: int = 8) -> dict[str, list[str]]:
    return {f"skill-{s}": [f"w{s}x{w}" for w in range(words)] for s in range(n_skills)}


def generated_question(rng: random.Random, vocab: list[str], own: int = 5, common: int = 8) -> str:
    stem = " ".join(rng.sample(vocab, own // 2 + 1) + rng.sample(COMMON, common // 2))
    choices = [" ".join(rng.sample(COMMON, 2)) for _ in range(3)]
    explanation = " ".join(rng.sample(vocab, own - own // 2 - 1) + rng.sample(COMMON, common - common // 2))
    return question_text(stem, choices, explanation)


def generated_bank(n_skills: int = 8, per_skill: int = 10, seed: int = 0) -> list[TaggedText]:
    rng = random.Random(seed)
    vocabulary = skill_vocabulary(n_skills)
    return [TaggedText(generated_question(rng, words), (skill,))
            for skill, words in vocabulary.items() for _ in range(per_skill)]


def split_bank(bank: list[TaggedText], k: int, seed: int = 0) -> tuple[list[TaggedText], list[TaggedText]]:
    split = few_shot_split([item.skills for item in bank], k, seed)
    return [bank[i] for i in split.support], [bank[i] for i in split.query]


def top1_accuracy(tagger: PrototypeTagger, queries: list[TaggedText]) -> float:
    suggestions = tagger.suggest([q.text for q in queries], top_n=1)
    return float(np.mean([s[0].skill in q.skills for s, q in zip(suggestions, queries, strict=True)]))


def test_it_suggests_the_skill_whose_vocabulary_the_question_uses() -> None:
    bank = generated_bank()
    support, queries = split_bank(bank, k=3)
    tagger = PrototypeTagger(encoder=LsaEncoder()).fit(support, extra_texts=[q.text for q in queries])
    assert top1_accuracy(tagger, queries) >= 0.9
    [[first, *_]] = tagger.suggest([" ".join(skill_vocabulary(8)["skill-3"]) + " what is the value shown"])
    assert first.skill == "skill-3"


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_a_skill_with_k_tagged_questions_already_gets_useful_suggestions(k: int) -> None:
    bank = generated_bank(per_skill=11)
    support, queries = split_bank(bank, k=k, seed=k)
    tagger = PrototypeTagger(encoder=LsaEncoder()).fit(support, extra_texts=[q.text for q in queries])
    assert top1_accuracy(tagger, queries) >= 0.7  # chance is 1 in 8
    top3 = tagger.suggest([q.text for q in queries], top_n=3)
    assert np.mean([q.skills[0] in {s.skill for s in found} for found, q in zip(top3, queries, strict=True)]) >= 0.9


def test_more_tagged_questions_help() -> None:
    bank = generated_bank(n_skills=10, per_skill=12)
    embeddings = LsaEncoder().fit([item.text for item in bank]).encode([item.text for item in bank])
    labels = [item.skills for item in bank]
    one = evaluate_few_shot(embeddings, labels, k=1, seeds=range(5))["prototype"]["top1"]
    five = evaluate_few_shot(embeddings, labels, k=5, seeds=range(5))["prototype"]["top1"]
    assert five >= one


def test_confidences_are_probabilities_in_order() -> None:
    bank = generated_bank()
    tagger = PrototypeTagger(encoder=LsaEncoder()).fit(bank)
    for found in tagger.suggest([item.text for item in bank[::7]], top_n=len(tagger.skills)):
        confidences = [s.confidence for s in found]
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert confidences == sorted(confidences, reverse=True)
        assert sum(confidences) == pytest.approx(1.0)
        assert [s.distance for s in found] == sorted(s.distance for s in found)
    probabilities = tagger.probabilities([bank[0].text])
    assert probabilities.shape == (1, 8) and probabilities.sum() == pytest.approx(1.0)


def test_the_temperature_is_fitted_on_held_out_questions_and_improves_calibration() -> None:
    bank = generated_bank(per_skill=6)
    tagger = PrototypeTagger(encoder=LsaEncoder()).fit(bank)
    calibration = tagger.calibration
    assert calibration["fitted"] and calibration["held_out"] == len(bank)
    assert tagger.temperature != DEFAULT_TEMPERATURE
    assert calibration["after"]["ece"] <= calibration["before"]["ece"] + 1e-9
    assert 0.0 <= calibration["after"]["ece"] <= 1.0


def test_one_question_per_skill_falls_back_to_the_default_temperature() -> None:
    bank = generated_bank(per_skill=1)
    tagger = PrototypeTagger(encoder=LsaEncoder()).fit(bank)
    assert tagger.temperature == DEFAULT_TEMPERATURE and not tagger.calibration["fitted"]


def test_fit_temperature_recovers_a_known_temperature() -> None:
    rng = np.random.default_rng(0)
    distances = rng.uniform(0, 2, size=(4000, 5))
    true_t = 0.25
    p = np.exp(-distances / true_t)
    p /= p.sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(5, p=row) for row in p])
    truth = np.eye(5)[labels]
    assert fit_temperature(distances, truth) == pytest.approx(true_t, rel=0.1)


def test_calibration_report() -> None:
    report = calibration_report(np.array([0.9, 0.9, 0.1, 0.1]), np.array([1, 1, 0, 0]))
    assert report["ece"] == pytest.approx(0.1) and report["brier"] == pytest.approx(0.01)
    assert calibration_report(np.array([]), np.array([]))["n"] == 0


def test_it_needs_tagged_questions() -> None:
    with pytest.raises(ValueError, match="no tagged questions"):
        PrototypeTagger(encoder=LsaEncoder()).fit([TaggedText("untagged text here", ())])


def test_untagged_questions_shape_the_encoder_but_not_the_prototypes() -> None:
    bank = [*generated_bank(n_skills=3, per_skill=3), TaggedText("w0x1 w1x1 untagged words", ())]
    tagger = PrototypeTagger(encoder=LsaEncoder()).fit(bank)
    assert tagger.skills == ["skill-0", "skill-1", "skill-2"]
    assert tagger.support_counts == {"skill-0": 3, "skill-1": 3, "skill-2": 3}


def test_tagging_makes_no_network_access(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the tagger tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    bank = generated_bank(n_skills=6, per_skill=5)
    tagger = build_tagger(bank, meta="auto", config=MetaConfig(episodes=20), selection_seeds=(0,))
    assert tagger.suggest([bank[0].text])[0][0].skill == bank[0].skills[0]


def test_the_nearest_neighbour_and_majority_baselines() -> None:
    bank = generated_bank(n_skills=6, per_skill=8)
    # One skill tags many more questions: the majority baseline always names it first.
    bank += [TaggedText(generated_question(random.Random(i), skill_vocabulary(6)["skill-2"]), ("skill-2",))
             for i in range(10)]
    embeddings = LsaEncoder().fit([item.text for item in bank]).encode([item.text for item in bank])
    result = evaluate_few_shot(embeddings, [item.skills for item in bank], k=3, seeds=range(3))
    assert result["prototype"]["top1"] >= 0.9 and result["nearest_neighbour"]["top1"] >= 0.6
    share_of_skill_2 = 15 / (5 * 5 + 15)  # queries: 5 per other skill, 15 of skill-2
    assert result["majority"]["top1"] == pytest.approx(share_of_skill_2)
    assert 0.0 <= result["prototype"]["calibration"]["ece"] <= 1.0


def test_few_shot_split_holds_out_whole_questions() -> None:
    labels = [("a",), ("a",), ("a",), ("b",), ("b",), ("a", "b"), ("c",)]
    split = few_shot_split(labels, k=1, seed=0)
    assert not set(split.support) & set(split.query)
    assert split.skills == ["a", "b"]  # c has a single question: nothing to hold out
    assert 6 not in split.query and len(split.support) == 2


def test_meta_training_learns_a_projection_and_the_tagger_keeps_it_only_if_it_wins(
        monkeypatch: pytest.MonkeyPatch) -> None:
    bank = generated_bank(n_skills=8, per_skill=6)
    embeddings = LsaEncoder().fit([b.text for b in bank]).encode([b.text for b in bank])
    projection = meta_train(embeddings, [b.skills for b in bank], MetaConfig(episodes=30))
    assert projection is not None
    projected = projection(embeddings)
    assert projected.shape == embeddings.shape
    assert np.allclose(np.linalg.norm(projected, axis=1), 1.0)

    def comparison(untrained: float, trained: float) -> object:
        def fake(*args: object, **kwargs: object) -> dict[str, object]:
            return {"trained_folds": 2, "untrained": {1: {"top1": untrained}, 3: {"top1": untrained}},
                    "meta_trained": {1: {"top1": trained}, 3: {"top1": trained}}}
        return fake

    monkeypatch.setattr(tagging, "meta_train_comparison", comparison(0.8, 0.6))
    losing = build_tagger(bank, meta="auto", config=MetaConfig(episodes=10))
    assert losing.projection is None
    assert losing.calibration["meta"] == {"tried": True, "kept": False, "untrained_top1": 0.8,
                                          "meta_trained_top1": 0.6}
    monkeypatch.setattr(tagging, "meta_train_comparison", comparison(0.6, 0.8))
    winning = build_tagger(bank, meta="auto", config=MetaConfig(episodes=10))
    assert winning.projection is not None and winning.calibration["meta"]["kept"]
    assert build_tagger(bank, meta="never").calibration["meta"] == {"tried": False, "kept": False}


def test_too_few_skills_are_not_meta_trained() -> None:
    bank = generated_bank(n_skills=3, per_skill=6)
    assert build_tagger(bank, meta="auto").calibration["meta"]["tried"] is False


def test_the_comparison_never_trains_on_held_out_skills(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[set[str]] = []
    real = tagging.meta_train

    def spy(embeddings: np.ndarray, labels: list[tuple[str, ...]], config: MetaConfig = MetaConfig()) -> object:
        seen.append({s for skills in labels for s in skills})
        return real(embeddings, labels, config)

    monkeypatch.setattr(tagging, "meta_train", spy)
    bank = generated_bank(n_skills=9, per_skill=5)
    embeddings = LsaEncoder().fit([b.text for b in bank]).encode([b.text for b in bank])
    result = tagging.meta_train_comparison(embeddings, [b.skills for b in bank], ks=(1,), seeds=(0,),
                                           config=MetaConfig(episodes=5))
    for trained_on, held_out in zip(seen, result["folds"], strict=True):
        assert not trained_on & set(held_out)
    assert set(result["untrained"][1]) >= {"top1", "top3"}


def test_the_tagging_core_imports_without_django() -> None:
    script = textwrap.dedent(
        """
        import importlib.abc, sys

        class Refuse(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"django", "celery", "rest_framework"}:
                    raise ImportError(f"{name} must not be imported by the core")
                return None

        sys.meta_path.insert(0, Refuse())
        from adaptive.core.tagging import LsaEncoder, PrototypeTagger, TaggedText
        tagger = PrototypeTagger(encoder=LsaEncoder()).fit(
            [TaggedText("mean median average", ("averages",)), TaggedText("range spread deviation", ("spread",))])
        assert tagger.suggest(["the median"])[0][0].skill == "averages"
        print("ok")
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "ok"


def test_the_benchmark_reads_an_exported_package_and_writes_json(tmp_path: Path) -> None:
    import json

    import yaml

    package = tmp_path / "bank"
    package.mkdir()
    questions = [{"key": f"q{i}", "type": "single_choice", "stem": item.text.split("\n")[0], "difficulty": 2,
                  "skills": list(item.skills), "explanation": item.text.split("\n")[-1],
                  "choices": [{"text": "yes", "correct": True}, {"text": "no"}]}
                 for i, item in enumerate(generated_bank(n_skills=6, per_skill=5))]
    (package / "questions.yaml").write_text(yaml.safe_dump(questions))
    out = tmp_path / "result.json"
    sys.path.insert(0, str(ROOT))
    from benchmarks import skill_tagging

    assert skill_tagging.main([str(package), "--k", "1", "3", "--seeds", "2", "--episodes", "5", "--folds", "2",
                               "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert (result["questions"], result["skills"]) == (30, 6)
    assert set(result["all_skills"]["3"]) == {"prototype", "nearest_neighbour", "majority"}
    assert result["all_skills"]["3"]["prototype"]["top1"] >= 0.8
    assert set(result["held_out_skills"]) >= {"untrained", "meta_trained", "folds"}


def test_meta_training_is_kept_where_it_transfers_to_new_skills() -> None:
    """Questions written in a few formats shared by every skill: the format words dominate the base
    embedding, and a projection meta-trained on some skills learns to look past them on others."""
    rng = random.Random(0)
    formats = [[f"format{t}w{j}" for j in range(12)] for t in range(4)]
    bank = [TaggedText(" ".join(rng.sample(words, 3) + rng.sample(rng.choice(formats), 7)), (skill,))
            for skill, words in skill_vocabulary(18, words=10).items() for _ in range(7)]
    tagger = build_tagger(bank, meta="auto", config=MetaConfig(episodes=150))
    decision = tagger.calibration["meta"]
    assert decision["tried"] and decision["kept"], decision
    assert decision["meta_trained_top1"] > decision["untrained_top1"] + 0.03
    assert tagger.projection is not None
