"""The benchmark command, end to end on tiny generated files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from adaptive.core.data import split_learners
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


def test_benchmark_cli_rejects_unknown_models(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "adaptive.benchmark", "--train", "x", "--test", "y", "--models", "nope"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert completed.returncode != 0 and "unknown model" in completed.stderr
