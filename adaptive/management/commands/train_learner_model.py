"""Train a candidate learner model and promote it if it beats the champion on held-out learners."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from adaptive.core.data import DataFormatError
from adaptive.core.learners import MODEL_REGISTRY, RENAMED_MODELS
from adaptive.services import NotEnoughData, model_version_train


class Command(BaseCommand):
    help = (
        "Train a learner model on the product's responses (or --file, three-line or CSV), evaluate it "
        "on held-out learners and promote it by the registry's rule."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--model", default=settings.PATHWISE_LEARNER_MODEL,
                            choices=sorted(MODEL_REGISTRY) + sorted(RENAMED_MODELS),
                            help="Learner model to train (default: %(default)s); the former names "
                                 f"{', '.join(f'{old} ({new})' for old, new in RENAMED_MODELS.items())} still work.")
        parser.add_argument("--file", type=Path, help="Train on this file instead of the product's responses.")
        parser.add_argument("--device", default=settings.PATHWISE_TRAINING_DEVICE,
                            help="auto (CUDA when available), cpu or cuda (default: %(default)s).")
        parser.add_argument("--holdout", type=float, default=0.2, help="Share of learners held out for evaluation.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--max-epochs", type=int, help="Cap the training epochs (torch models).")
        parser.add_argument("--no-promote", action="store_true", help="Register as a candidate only.")
        parser.add_argument("--min-learners", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        overrides = {"max_epochs": options["max_epochs"]} if options["max_epochs"] else {}
        if options["model"] in RENAMED_MODELS:
            new = RENAMED_MODELS[options["model"]]
            self.stderr.write(f"note: learner model {options['model']!r} is now called {new!r}; the old name will go")
            options["model"] = new
        try:
            result = model_version_train(
                model_name=options["model"], source=options["file"], device=options["device"],
                holdout_fraction=options["holdout"], seed=options["seed"], promote=not options["no_promote"],
                min_learners=options["min_learners"], show_progress_bar=True,
                progress=lambda fraction, message: self.stderr.write(f"[{fraction:4.0%}] {message}"),
                **overrides,
            )
        except (NotEnoughData, DataFormatError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        version = result.version
        metrics = version.metrics
        self.stdout.write(
            f"version {version.pk}: {version.name} on {version.device}, {version.train_seconds:.1f}s; "
            f"held-out AUC {metrics.get('auc', float('nan')):.4f}, log-loss {metrics.get('logloss', float('nan')):.4f}"
        )
        self.stdout.write(json.dumps({"kshot": metrics.get("kshot")}))
        status = "promoted to champion" if result.promoted else f"not promoted ({version.status})"
        self.stdout.write(self.style.SUCCESS(f"{status}: {result.note}"))
