"""Build the meta-learned prior of the ``skill_elo`` learner model (see ``adaptive.meta_prior``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm.auto import tqdm

from adaptive.core.meta import MetaConfig
from adaptive.meta_prior import DEFAULT_DATA, DEFAULT_OUT, MissingData, build


class Command(BaseCommand):
    help = ("Meta-train skill_elo across the public knowledge-tracing sets and simulated courses and write "
            "its checkpoint (the prior the product ships) and a JSON of what it was trained on.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="Checkpoint to write (.pt).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the tasks and of the training.")
        parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                            help="Folder of the public sets (assist2009/, synthetic5/).")
        parser.add_argument("--simulated-only", action="store_true",
                            help="Build from simulated courses alone (when the public sets are missing).")
        parser.add_argument("--steps", type=int, default=MetaConfig.outer_steps, help="Outer (Reptile) steps.")

    def handle(self, *args: Any, out: Path, seed: int, data: Path, simulated_only: bool, steps: int,
               **options: Any) -> None:
        bar = tqdm(total=steps, desc="meta-training", unit="task")

        def progress(step: int, loss: float) -> None:
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.4f}")

        try:
            summary = build(out, seed=seed, data=data, simulated_only=simulated_only,
                            meta=MetaConfig(outer_steps=steps), progress=progress)
        except MissingData as error:
            raise CommandError(str(error)) from None
        finally:
            bar.close()
        self.stdout.write(f"wrote {out} and {out.with_suffix('.json')} in {summary['seconds']:.0f} s "
                          f"from {len(summary['tasks'])} tasks")
