"""The meta-learned prior on courses and a data set it never saw in meta-training.

For each held-out course, AUC (and log-loss) on new learners of that course, predicted from their own
earlier answers only, once 0, 100 and 1,000 answers of the course (from other learners) have been
seen, for

* meta: the shipped initialisation (``adaptive/artifacts/skill_elo_meta.pt``) adapted with those
  answers by ``adaptive.core.meta.adapt``;
* scratch: ``skill_elo`` from its defaults fitted on those answers (closed-form empirical Bayes);
* fallback: ``skill_elo``'s defaults and no data (what the product serves with no trained model);
* gru: the ``gru_pfa`` GRU tracer trained from scratch on those answers (``--gru``).

Every model reads the author's description of the questions (difficulty, skills, type) and skills
(prerequisites) where the course has one. The held-out courses are the product's demo courses
(``data-literacy``, ``learning-to-learn``), answered by simulated learners of
``adaptive.core.learner_simulator`` with its default population, on their real structure, and the
``assist2009_dkt`` data set (train split: the answers seen; test split: the new learners).

    python benchmarks/meta_prior.py --json meta_prior.json [--gru]
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adaptive.core.data import ResponseLog, read_log  # noqa: E402
from adaptive.core.evaluate import prediction_metrics  # noqa: E402
from adaptive.core.learner_simulator import SimulatorParams  # noqa: E402
from adaptive.core.learners import ItemInfo, LearnerModel, create, load  # noqa: E402
from adaptive.core.learners.skill_elo import SkillEloModel  # noqa: E402
from adaptive.core.meta import adapt  # noqa: E402
from adaptive.meta_prior import DEFAULT_DATA, DEFAULT_OUT, SimCourse, simulate_answers  # noqa: E402

SEEN = (0, 100, 1000)


def demo_course(folder: Path) -> SimCourse:
    """A course package (docs/course-format.md) as the simulator and the models see it."""
    course = yaml.safe_load((folder / "course.yaml").read_text())
    questions = yaml.safe_load((folder / "questions.yaml").read_text())
    prerequisites = {s["slug"]: tuple(s.get("prerequisites") or ()) for s in course["skills"]}
    modules = [list(m.get("skills") or ()) for m in course["modules"]]
    catalogue = {q["key"]: ItemInfo(tuple(q["skills"]), float(q["difficulty"]), str(q.get("type", "")))
                 for q in questions}
    return SimCourse(course["slug"], modules, prerequisites, catalogue)


def first_answers(log: ResponseLog, count: int, seed: int) -> ResponseLog:
    """The first ``count`` answers of ``log``'s learners taken in a random order, as they arrive."""
    learners = np.unique(log.learner)
    order = np.random.default_rng(seed).permutation(learners)
    bounds = log.learner_bounds()
    keep = np.zeros(len(log), dtype=bool)
    left = count
    for learner in order:
        if left <= 0:
            break
        start, stop = bounds[learner], bounds[learner + 1]
        take = min(left, int(stop - start))
        keep[start : start + take] = True
        left -= take
    records = [(log.learner_vocab.tokens[int(a)], log.item_vocab.tokens[int(i)], log.skill_vocab.tokens[int(s)],
                int(c), None if math.isnan(t) else float(t))
               for a, i, s, c, t, k in zip(log.learner, log.item, log.skill, log.correct, log.timestamp, keep) if k]
    return ResponseLog.from_records(records)


def score(model: LearnerModel, test: ResponseLog) -> dict[str, float]:
    metrics = prediction_metrics(test.correct, model.predict_sequences(test))
    return {"auc": metrics["auc"], "logloss": metrics["logloss"]}


def run_course(name: str, pool: ResponseLog, test: ResponseLog, catalogue: dict[str, ItemInfo],
               prerequisites: dict[str, tuple[str, ...]], prior: SkillEloModel, seed: int, gru: bool) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for seen in SEEN:
        log = first_answers(pool, seen, seed) if seen else pool.subset_learners([])
        row: dict[str, Any] = {}
        started = time.perf_counter()
        row["meta"] = score(adapt(prior, log, catalogue, prerequisites=prerequisites, seed=seed), test)
        row["meta"]["seconds"] = time.perf_counter() - started
        fallback = SkillEloModel().set_catalogue(catalogue, prerequisites)
        if seen:
            scratch = create("skill_elo")
            assert isinstance(scratch, SkillEloModel)
            scratch.set_catalogue(catalogue, prerequisites).fit(log, seed=seed)
            row["scratch"] = score(scratch, test)
        else:
            row["scratch"] = score(fallback, test)  # with no answers, training from scratch is the defaults
        row["fallback"] = score(fallback, test)
        if gru and seen:
            try:
                row["gru"] = score(create("gru_pfa").fit(log, None, device="cpu", seed=seed), test)
            except Exception as error:  # noqa: BLE001 - a GRU on a handful of answers may not train at all
                row["gru"] = {"auc": math.nan, "logloss": math.nan, "error": str(error)[:200]}
        rows[str(seen)] = row
        print(f"{name:<20} {seen:>5} answers  " + "  ".join(
            f"{k} {v['auc']:.3f}" for k, v in row.items()), flush=True)
    return {"course": name, "test_learners": test.n_learners, "test_answers": len(test), "seen": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prior", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--learners", type=int, default=300, help="New (test) learners per demo course.")
    parser.add_argument("--dkt-learners", type=int, default=400, help="Test learners of assist2009_dkt (0: all).")
    parser.add_argument("--gru", action="store_true", help="Also train the gru_pfa GRU from scratch.")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    prior = load(args.prior)
    assert isinstance(prior, SkillEloModel)
    results = []
    rng = random.Random(args.seed)
    for slug in ("data-literacy", "learning-to-learn"):
        course = demo_course(ROOT / "demo" / "courses" / slug)
        pool = simulate_answers(course, SimulatorParams(), 60, rng, mixed_share=0.0)
        test = simulate_answers(course, SimulatorParams(), args.learners, rng, mixed_share=0.0)
        results.append(run_course(slug, pool, test, course.questions, course.prerequisites, prior, args.seed,
                                  args.gru))
    dkt = args.data / "assist2009_dkt"
    if (dkt / "train.csv").exists():
        pool, test = read_log(dkt / "train.csv"), read_log(dkt / "test.csv")
        if args.dkt_learners:
            test = test.subset_learners(np.unique(test.learner)[: args.dkt_learners])
        results.append(run_course("assist2009_dkt", pool, test, {}, {}, prior, args.seed, args.gru))
    else:
        print(f"{dkt} not found: the held-out data set is skipped")
    report = {"command": " ".join(["python", *sys.argv]), "machine": f"{platform.machine()}, {platform.system()}",
              "date": datetime.now(UTC).strftime("%Y-%m-%d"), "prior": str(args.prior),
              "prior_config": prior.config.__dict__, "results": results}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
