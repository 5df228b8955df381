"""Few-shot skill tagging on a real item bank: how often is the right skill suggested first, or in
the first three, when each skill has only k = 1, 3 or 5 tagged questions?

    .venv/bin/python benchmarks/skill_tagging.py                       # the demo courses
    .venv/bin/python benchmarks/skill_tagging.py path/to/package ...   # folders exported by export_course
    .venv/bin/python benchmarks/skill_tagging.py --json /tmp/tagging.json --seeds 20

Whole questions are held out: per seed, k tagged questions per skill are the support set and every
other question of those skills is a query. The prototype tagger is compared with a nearest-neighbour
and a majority-skill baseline on all skills, and the untrained encoder with the meta-trained one on
held-out skills (skill folds: the projection never sees a question of the skills it is tested on).
Reads the packages' YAML directly: no Django, no database.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from adaptive.core.tagging import (  # noqa: E402
    DEFAULT_TEMPERATURE,
    LsaEncoder,
    MetaConfig,
    PrototypeTagger,
    TaggedText,
    evaluate_few_shot,
    meta_train_comparison,
    question_text,
)

DEMO = ROOT / "demo" / "courses"


def read_bank(folders: Sequence[Path]) -> list[TaggedText]:
    """The questions of course packages (folders holding questions.yaml or questions.json)."""
    bank: dict[str, TaggedText] = {}
    for folder in folders:
        path = next((folder / name for name in ("questions.yaml", "questions.json") if (folder / name).is_file()), None)
        if path is None:
            raise SystemExit(f"{folder}: no questions.yaml or questions.json")
        for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            choices = [c["text"] for c in item.get("choices", []) if isinstance(c, dict) and "text" in c]
            text = question_text(str(item.get("stem", "")), [str(c) for c in choices], str(item.get("explanation", "")))
            bank[str(item["key"])] = TaggedText(text, tuple(item.get("skills") or ()))
    return list(bank.values())


def run(bank: list[TaggedText], *, ks: Sequence[int], seeds: Sequence[int], folds: int,
        config: MetaConfig) -> dict[str, Any]:
    tagged = [item for item in bank if item.skills]
    labels = [item.skills for item in tagged]
    encoder = LsaEncoder().fit([item.text for item in bank])
    embeddings = encoder.encode([item.text for item in tagged])
    started = time.perf_counter()
    all_skills = {k: evaluate_few_shot(embeddings, labels, k=k, seeds=seeds) for k in ks}
    comparison = meta_train_comparison(embeddings, labels, ks=ks, seeds=seeds, n_folds=folds, config=config)
    tagger = PrototypeTagger(encoder=encoder).fit(bank, fit_encoder=False)
    return {
        "questions": len(bank), "tagged": len(tagged), "skills": len({s for skills in labels for s in skills}),
        "ks": list(ks), "seeds": len(seeds), "all_skills": all_skills, "held_out_skills": comparison,
        "bank_temperature": tagger.calibration, "seconds": round(time.perf_counter() - started, 1),
    }


def _pct(value: float) -> str:
    return "  –  " if value != value else f"{100 * value:5.1f}"


def table(result: dict[str, Any]) -> str:
    ks = result["ks"]
    head = "| evaluation | method | " + " | ".join(f"k={k} top-1 | k={k} top-3" for k in ks) + " |"
    lines = [head, "|" + "---|" * (2 + 2 * len(ks))]
    names = {"prototype": "prototypes (LSA, untrained)", "nearest_neighbour": "nearest neighbour (LSA)",
             "majority": "majority skill"}
    n_skills = result["skills"]
    for method, label in names.items():
        cells = [f"{_pct(result['all_skills'][k][method]['top1'])} | {_pct(result['all_skills'][k][method]['top3'])}"
                 for k in ks]
        lines.append(f"| all {n_skills} skills | {label} | " + " | ".join(cells) + " |")
    held = result["held_out_skills"]
    for name, label in (("untrained", "prototypes, untrained encoder"), ("meta_trained", "prototypes, meta-trained")):
        cells = [f"{_pct(held[name][k]['top1'])} | {_pct(held[name][k]['top3'])}" if k in held[name] else " – | – "
                 for k in ks]
        lines.append(f"| held-out skills | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def calibration_lines(result: dict[str, Any]) -> str:
    lines = ["Calibration of the prototype tagger's top-1 confidence on held-out queries (all skills):"]
    for k in result["ks"]:
        cal = result["all_skills"][k]["prototype"].get("calibration")
        if cal:
            lines.append(f"  k={k}: mean confidence {cal['confidence']:.2f}, accuracy {cal['accuracy']:.2f}, "
                         f"ECE {cal['ece']:.3f}, Brier {cal['brier']:.3f}")
    bank = result["bank_temperature"]
    if bank.get("fitted"):
        lines.append(f"  whole bank, leave-one-out ({bank['held_out']} questions): temperature {bank['temperature']:.3f} "
                     f"(default {DEFAULT_TEMPERATURE}); log-loss {bank['nll_before']:.3f} -> {bank['nll_after']:.3f}, "
                     f"ECE {bank['before']['ece']:.3f} -> {bank['after']['ece']:.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("packages", nargs="*", type=Path, help="course package folders (default: demo/courses/*)")
    parser.add_argument("--k", dest="ks", type=int, nargs="+", default=[1, 3, 5])
    parser.add_argument("--seeds", type=int, default=20, help="random support sets per k (default 20)")
    parser.add_argument("--folds", type=int, default=3, help="skill folds for the meta-training comparison")
    parser.add_argument("--episodes", type=int, default=MetaConfig.episodes)
    parser.add_argument("--hidden", type=int, default=MetaConfig.hidden,
                        help="hidden units of the projection's residual MLP; 0 learns one weight per dimension only")
    parser.add_argument("--json", dest="json_out", type=Path, help="write the results as JSON here")
    args = parser.parse_args(argv)
    folders = args.packages or sorted(p for p in DEMO.iterdir() if p.is_dir())
    bank = read_bank(folders)
    result = run(bank, ks=args.ks, seeds=list(range(args.seeds)), folds=args.folds,
                 config=MetaConfig(episodes=args.episodes, hidden=args.hidden))
    result.update({"packages": [str(f) for f in folders], "machine": f"{platform.machine()}, {platform.processor()}",
                   "python": platform.python_version(), "numpy": np.__version__})
    print(f"{result['questions']} questions ({result['tagged']} tagged), {result['skills']} skills, "
          f"{args.seeds} seeds per k, from {', '.join(f.name for f in folders)}")
    print(table(result))
    print(calibration_lines(result))
    print(f"held-out skill folds: {result['held_out_skills']['folds']}")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
