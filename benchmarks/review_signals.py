"""What tells which skill has faded, once every module is done: the signals a review could go by.

Simulated learners (``adaptive.core.learner_simulator``) go through a demo course under the product's
policy with the shipped meta-learned prior (as ``benchmarks/adaptive_vs_fixed.py --model-file``
runs it). Each time a module's quiz starts after every module has been studied once (the reviews),
the course's skills are ranked by each signal and by the truth (the learner's real chance of
success on a typical question now, forgetting included), and the rank correlation (Spearman) is
taken. Reported: its mean over those moments, per signal.

* ``mastery``: the model's mastery of the skill;
* ``answers``: how many answers the learner has given on the skill in the course;
* ``recency``: how recently the skill was last practised (minus the time since);
* ``mastery + practice``: what the review ranks by, ``mastery + PRACTICE_WEIGHT * answers``.

    python benchmarks/review_signals.py --seeds 7 101 --learners 30 --json out.json
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from adaptive_vs_fixed import Course, Run, Unit, clone, info_of, load_course, population, run_adaptive  # noqa: E402

from adaptive.core.learners import load  # noqa: E402
from adaptive.core.policy import PRACTICE_WEIGHT  # noqa: E402

SIGNALS = ("mastery", "answers", "recency", "mastery + practice")


class Observed(Run):
    """A run that, at the start of every review, ranks the course's skills by each signal."""

    def __init__(self, *args, model, correlations: dict[str, list[float]], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.model, self.correlations = model, correlations

    def read_unit(self, unit: Unit) -> None:
        if len(self.read) == len(self.course.units):
            self._observe()
        super().read_unit(unit)

    def _observe(self) -> None:
        course: Course = self.course
        state = self.model.init_state()
        answers: Counter[str] = Counter()
        last: dict[str, datetime] = {}
        for key, _, correct, at in self.log:
            state = self.model.update(state, key, int(correct), at=at, info=info_of(course.items[key]))
            for skill in course.items[key].skills:
                answers[skill] += 1
                last[skill] = at
        mastery = [float(m) for m in self.model.predict_skills(state, course.skills, at=self.clock)]
        truth = [self.true_success(s) for s in course.skills]
        signals = {
            "mastery": mastery,
            "answers": [answers[s] for s in course.skills],
            "recency": [-(self.clock - last.get(s, self.start)).total_seconds() for s in course.skills],
            "mastery + practice": [m + PRACTICE_WEIGHT * answers[s] for m, s in zip(mastery, course.skills)],
        }
        for name, values in signals.items():
            if len(set(values)) > 1 and len(set(truth)) > 1:
                rho = float(spearmanr(values, truth).statistic)
                if math.isfinite(rho):
                    self.correlations[name].append(rho)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", type=Path, default=ROOT / "demo" / "courses" / "data-literacy")
    parser.add_argument("--model-file", type=Path, default=ROOT / "adaptive" / "artifacts" / "skill_elo_meta.pt")
    parser.add_argument("--seeds", type=int, nargs="+", default=[7, 101])
    parser.add_argument("--learners", type=int, default=30, help="Simulated learners per seed.")
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--json", type=Path, help="Write the results here.")
    args = parser.parse_args(argv)

    course = load_course(args.course)
    model = load(args.model_file)
    if hasattr(model, "set_catalogue"):
        model.set_catalogue({k: info_of(i) for k, i in course.items.items()}, course.prerequisites)
    correlations: dict[str, list[float]] = {name: [] for name in SIGNALS}
    for seed in args.seeds:
        for learner, answer_seed in population(course, args.learners, seed):
            run_adaptive(Observed(course, clone(learner), random.Random(answer_seed), args.budget, stop_at_mastery=True,
                                  model=model, correlations=correlations), model)
    report = {"course": args.course.name, "model_file": args.model_file.name, "seeds": args.seeds,
              "learners": args.learners, "practice_weight": PRACTICE_WEIGHT,
              "signals": {name: {"mean_rank_correlation": float(np.mean(values)) if values else None,
                                 "moments": len(values)} for name, values in correlations.items()}}
    print(f"\nReview signals on {course.units[0].slug}… ({len(course.skills)} skills), model {args.model_file.name}, "
          f"seeds {args.seeds}, {args.learners} learners each\n")
    print("| signal | rank correlation with the real chance of success (mean) | moments |")
    print("|---|---:|---:|")
    for name, row in report["signals"].items():
        mean = row["mean_rank_correlation"]
        print(f"| {name} | {'-' if mean is None else f'{mean:.2f}'} | {row['moments']} |")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
