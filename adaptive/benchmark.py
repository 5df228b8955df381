"""Benchmark every learner model on a public knowledge-tracing split.

    python -m adaptive.benchmark --train TRAIN --test TEST [--models all|NAME,...] [--device auto] [--json OUT]

Each model trains on TRAIN minus a held-out share of its learners, which drives early stopping,
fits the calibration (a temperature) and picks the champion; TEST is used only for the reported
numbers. Hyperparameter searches tune on training learners apart from those (see
``SkillEloModel._fit``). Expected calibration error is reported on both: ``ECE`` on TEST, ``valid
ECE`` on the held-out learners, each after calibration (and, in the JSON, before it too).
``kshot_vs_pfa`` in the JSON compares the champion with PFA on each test learner's first 1, 3 and 5
answers: the 95% paired-bootstrap interval over learners of the AUC difference. TRAIN and TEST are
three-line files (or CSVs with a ``learner,item,skill,correct[,timestamp]`` header). Needs no
database or Django.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from adaptive.core.data import read_log, split_learners
from adaptive.core.evaluate import evaluate, kshot_versus, metrics_are_finite, prediction_metrics
from adaptive.core.learners import MODEL_REGISTRY, RENAMED_MODELS
from adaptive.core.learners.base import _jsonable, apply_temperature
from adaptive.core.train import train_model

DEFAULT_ORDER = ("skill_mean", "elo", "pfa", "bkt", "bayes_mirt", "gru", "gru_pfa")
KSHOT_COLUMNS = ("1", "3", "5", "10", "20", "after20")
#: A learner's first k answers on which the champion is compared with PFA, learner by learner.
VERSUS_PFA_POINTS = (1, 3, 5)


def _model_names(spec: str) -> list[str]:
    if spec == "all":
        return [n for n in DEFAULT_ORDER if n in MODEL_REGISTRY] + sorted(set(MODEL_REGISTRY) - set(DEFAULT_ORDER))
    names = [n.strip() for n in spec.split(",") if n.strip()]
    for old in [n for n in names if n in RENAMED_MODELS]:
        print(f"note: {old!r} is now called {RENAMED_MODELS[old]!r}; the old name will go", file=sys.stderr)
    names = [RENAMED_MODELS.get(n, n) for n in names]
    unknown = [n for n in names if n not in MODEL_REGISTRY]
    if unknown:
        raise SystemExit(f"unknown model(s) {', '.join(unknown)}; known: {', '.join(sorted(MODEL_REGISTRY))}")
    return names


def choose_champion(results: Sequence[dict[str, Any]]) -> str | None:
    """The model to deploy: best validation AUC among models with finite validation outputs.

    Decided on the held-out part of TRAIN only, never on TEST.
    """
    usable = [r for r in results if r["valid_finite"] and math.isfinite(r["valid_auc"])]
    if not usable:
        return None
    return max(usable, key=lambda r: r["valid_auc"])["name"]


def format_table(rows: Sequence[dict[str, Any]], champion: str | None) -> str:
    header = ["model", "AUC", "acc", "logloss", "RMSE", "ECE", *(f"k{c}" if c != "after20" else ">20" for c in KSHOT_COLUMNS),
              "valid AUC", "valid ECE", "T", "train s", "update ms", "predict ms"]
    lines = [header]
    for row in rows:
        name = row["name"] + (" *" if row["name"] == champion else "")
        lines.append([name, *(f"{row[k]:.4f}" for k in ("auc", "accuracy", "logloss", "rmse", "ece")),
                      *(f"{row['kshot'][c]:.3f}" for c in KSHOT_COLUMNS), f"{row['valid_auc']:.4f}",
                      f"{row['valid_ece']:.4f}", f"{row['temperature']:.3f}",
                      f"{row['train_seconds']:.1f}", f"{row['update_ms']:.3f}", f"{row['predict_ms']:.3f}"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(line)) for line in lines]
    text.insert(1, "-" * len(text[0]))
    return "\n".join(text)


def format_versus_pfa(champion: str | None, versus_pfa: dict[str, dict[str, float]]) -> str:
    """One line per k: the champion's AUC minus PFA's on the first k answers, with its interval."""
    lines = [f"{champion} - pfa, AUC on each learner's first k answers (95% paired bootstrap over learners):"]
    for k, d in versus_pfa.items():
        lines.append(f"  k={k}: {d['mean']:+.4f} [{d['low']:+.4f}, {d['high']:+.4f}]")
    return "\n".join(lines)


def run(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m adaptive.benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", required=True, type=Path, help="training file (three-line or CSV)")
    parser.add_argument("--test", required=True, type=Path, help="test file, only used for the reported numbers")
    parser.add_argument("--models", default="all", help="'all' or comma-separated names")
    parser.add_argument("--device", default="auto", help="'auto' (CUDA if available), 'cpu', 'cuda', ...")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--valid-fraction", type=float, default=0.1, help="share of TRAIN learners held out")
    parser.add_argument("--max-epochs", type=int, help="cap the epochs of gradient-trained models")
    parser.add_argument("--checkpoint-dir", type=Path, help="save every model and its metrics JSON here")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    names = _model_names(args.models)
    started = time.perf_counter()
    train_full = read_log(args.train)
    test_log = read_log(args.test)
    train_log, valid_log = split_learners(train_full, args.valid_fraction, seed=args.seed)
    print(f"train {train_log.n_learners} learners / {len(train_log)} responses, valid {valid_log.n_learners} / "
          f"{len(valid_log)}, test {test_log.n_learners} / {len(test_log)}, {train_full.n_items} ids", file=sys.stderr)

    results: list[dict[str, Any]] = []
    test_predictions: dict[str, np.ndarray] = {}
    for name in names:
        overrides: dict[str, Any] = {}
        if args.max_epochs is not None and hasattr(MODEL_REGISTRY[name].config_class(), "max_epochs"):
            overrides["max_epochs"] = args.max_epochs
        checkpoint = args.checkpoint_dir / f"{name}.pt" if args.checkpoint_dir else None
        model = train_model(name, train_log, valid_log, device=args.device, seed=args.seed,
                            checkpoint_path=checkpoint, progress=not args.quiet, **overrides)
        predicted = model.predict_sequences(test_log)
        test_predictions[name] = predicted
        metrics = evaluate(model, test_log, predicted=predicted)
        valid = model.training_info.get("valid", {})
        temperature = float(model.temperature)
        # The same predictions before calibration: the temperature undone, no second pass.
        uncalibrated = prediction_metrics(test_log.correct, apply_temperature(predicted, 1.0 / temperature))
        row = {
            "name": name,
            **{k: metrics[k] for k in ("auc", "accuracy", "logloss", "rmse", "ece")},
            "kshot": metrics["kshot"],
            "train_seconds": metrics["train_seconds"],
            "update_ms": metrics["update_ms"],
            "predict_ms": metrics["predict_ms"],
            "valid_auc": float(valid.get("auc", math.nan)),
            "temperature": temperature,
            "ece_uncalibrated": uncalibrated["ece"],
            "valid_ece": float(valid.get("ece", math.nan)),
            "valid_ece_uncalibrated": float(model.training_info.get("valid_ece_uncalibrated", math.nan)),
            "valid_kshot": valid.get("kshot", {}),
            "epochs": model.training_info.get("best_epoch", model.training_info.get("epochs")),
            "calibration": metrics["calibration"],
            "valid_finite": bool(valid) and metrics_are_finite(valid),
            "finite": bool(metrics["finite"]),
        }
        results.append(row)
        print(f"{name}: test AUC {row['auc']:.4f} (valid {row['valid_auc']:.4f}), {row['train_seconds']:.1f}s", file=sys.stderr)

    champion = choose_champion(results)
    versus_pfa: dict[str, dict[str, float]] = {}
    if champion is not None:
        if "pfa" not in test_predictions:  # the reference is trained like the others, on the same learners
            pfa = train_model("pfa", train_log, valid_log, device="cpu", seed=args.seed, progress=False)
            test_predictions["pfa"] = pfa.predict_sequences(test_log)
        versus_pfa = kshot_versus(test_log, test_predictions[champion], test_predictions["pfa"],
                                  points=VERSUS_PFA_POINTS, seed=args.seed)
    print(format_table(results, champion))
    print(f"champion (best validation AUC): {champion}; total {time.perf_counter() - started:.0f}s")
    if versus_pfa:
        print(format_versus_pfa(champion, versus_pfa))
    output = {
        "champion": champion,
        # 95% paired-bootstrap interval over test learners of (champion AUC - PFA AUC) on each
        # learner's first k answers: {"1": [low, high], ...}; the point estimates beside it.
        "kshot_vs_pfa": {k: [d["low"], d["high"]] for k, d in versus_pfa.items()},
        "kshot_vs_pfa_mean": {k: d["mean"] for k, d in versus_pfa.items()},
        "tuning": "skill_elo's search tunes on a hashed share of TRAIN's training learners, never on the "
                  "validation learners that choose the champion; calibration reads the validation learners only",
        "models": results,
        "train": str(args.train),
        "test": str(args.test),
        "seed": args.seed,
        "valid_fraction": args.valid_fraction,
        "device": str(args.device),
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(_jsonable(output), indent=2) + "\n", encoding="utf-8")
    return output


def main() -> None:
    run()


if __name__ == "__main__":
    main()
