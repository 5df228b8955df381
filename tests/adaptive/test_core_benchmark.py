"""The benchmark command, end to end on tiny generated files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from adaptive import benchmark
from adaptive.benchmark import VERSUS_PFA_POINTS
from adaptive.core.data import ResponseLog, split_learners
from adaptive.core.evaluate import kshot_versus
from adaptive.core.learners import LearnerModel, SkillEloModel
from adaptive.core.simulate import simulate_learners, write_three_line

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_cli_writes_the_results_json(tmp_path: Path) -> None:
    log = simulate_learners(n_learners=90, seed=4).log
    train, test = split_learners(log, 0.3, seed=0)
    train_path = write_three_line(train, tmp_path / "train.csv")
    test_path = write_three_line(test, tmp_path / "test.csv")
    out = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, "-m", "adaptive.benchmark", "--train", str(train_path), "--test", str(test_path),
         "--models", "skill_mean,pfa,gru", "--device", "auto", "--json", str(out), "--max-epochs", "2", "--quiet"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "champion" in completed.stdout
    results = json.loads(out.read_text())
    assert results["champion"] in {"skill_mean", "pfa", "gru"}
    assert [m["name"] for m in results["models"]] == ["skill_mean", "pfa", "gru"]
    for model in results["models"]:
        for key in ("auc", "accuracy", "logloss", "rmse", "train_seconds", "update_ms", "predict_ms"):
            assert isinstance(model[key], float), key
        assert set(model["kshot"]) == {"1", "3", "5", "10", "20", "after20"}
    interval = results["kshot_vs_pfa"]
    assert set(interval) == {"1", "3", "5"} and all(len(v) == 2 and v[0] <= v[1] for v in interval.values())


def test_benchmark_cli_rejects_unknown_models(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "adaptive.benchmark", "--train", "x", "--test", "y", "--models", "nope"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode != 0 and "unknown model" in completed.stderr


def _log_of_known_answers(n_learners: int = 300, length: int = 6, seed: int = 0) -> ResponseLog:
    rng = np.random.default_rng(seed)
    records = [(f"l{n}", f"q{t}", f"s{t % 2}", int(rng.random() < 0.6), None)
               for n in range(n_learners) for t in range(length)]
    return ResponseLog.from_records(records)


def test_kshot_versus_gives_the_interval_where_the_answer_is_known() -> None:
    log = _log_of_known_answers()
    rng = np.random.default_rng(1)
    knows = np.clip(log.correct + rng.normal(0, 0.05, len(log)), 0.01, 0.99)  # AUC 1
    guesses = rng.random(len(log))  # AUC about 0.5
    better = kshot_versus(log, knows, guesses, points=VERSUS_PFA_POINTS)
    assert set(better) == {"1", "3", "5"}
    for k, d in better.items():
        assert d["low"] <= d["mean"] <= d["high"]
        assert d["low"] > 0.3 and d["high"] <= 0.65, k  # 1 - AUC(guesses), guesses' AUC near 0.5
    same = kshot_versus(log, guesses, guesses, points=VERSUS_PFA_POINTS)
    assert all(d["low"] == d["high"] == 0.0 for d in same.values())
    worse = kshot_versus(log, guesses, knows, points=VERSUS_PFA_POINTS)
    assert all(d["high"] < -0.3 for d in worse.values())
    # The first k answers only: on k = 1 the interval is wider than on k = 5 (fewer responses).
    assert better["1"]["high"] - better["1"]["low"] > better["5"]["high"] - better["5"]["low"]


def _write_csv(log: ResponseLog, path: Path, prefix: str) -> Path:
    lines = ["learner,item,skill,correct"]
    for learner, item, skill, correct in zip(log.learner, log.raw_items(), log.raw_skills(), log.correct):
        lines.append(f"{prefix}-{learner},{item},{skill},{int(correct)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _learners(log: ResponseLog) -> set[str]:
    return set(log.learner_vocab.decode(np.unique(log.learner)))


def test_tuning_and_calibration_never_read_test_and_tuning_never_reads_validation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = simulate_learners(n_learners=160, seed=8).log
    train, test = split_learners(log, 0.25, seed=0)
    train_path, test_path = _write_csv(train, tmp_path / "train.csv", "train"), _write_csv(test, tmp_path / "test.csv", "test")
    seen: dict[str, set[str]] = {"tuning": set(), "calibration": set(), "validation": set(), "training": set()}
    search, calibrate, train_model = SkillEloModel._search, LearnerModel.calibrate, benchmark.train_model

    def spy_search(self: SkillEloModel, tuning: ResponseLog, seed: int, limit: int = 20000) -> Any:
        seen["tuning"] |= _learners(tuning)
        return search(self, tuning, seed, limit)

    def spy_calibrate(self: LearnerModel, valid: ResponseLog, predicted: Any = None) -> float:
        seen["calibration"] |= _learners(valid)
        return calibrate(self, valid, predicted)

    def spy_train_model(name: str, train_log: ResponseLog, valid_log: ResponseLog | None = None, **kwargs: Any) -> Any:
        seen["training"] |= _learners(train_log)
        seen["validation"] |= _learners(valid_log) if valid_log is not None else set()
        return train_model(name, train_log, valid_log, **kwargs)

    monkeypatch.setattr(SkillEloModel, "_search", spy_search)
    monkeypatch.setattr(LearnerModel, "calibrate", spy_calibrate)
    monkeypatch.setattr(benchmark, "train_model", spy_train_model)
    output = benchmark.run(["--train", str(train_path), "--test", str(test_path), "--models", "skill_elo,skill_mean",
                            "--device", "cpu", "--quiet", "--json", str(tmp_path / "out.json")])
    test_learners = {f"test-{n}" for n in np.unique(test.learner)}
    assert seen["tuning"] and seen["calibration"] and seen["validation"]
    assert not seen["tuning"] & test_learners and not seen["calibration"] & test_learners
    assert not seen["tuning"] & seen["validation"]  # tuning never reads the learners that choose the champion
    assert seen["tuning"] <= seen["training"]
    assert seen["calibration"] <= seen["validation"]
    # PFA, not among the models, is trained for the comparison on the first answers.
    assert set(output["kshot_vs_pfa"]) == {"1", "3", "5"}
    assert all(low <= high for low, high in output["kshot_vs_pfa"].values())
    written = json.loads((tmp_path / "out.json").read_text())
    assert written["kshot_vs_pfa"] == {k: list(v) for k, v in output["kshot_vs_pfa"].items()}
