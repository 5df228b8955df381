"""Promote a registered learner-model version to champion, roll back, or list the registry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from adaptive.models import ModelVersion
from adaptive.services import model_version_promote, model_version_rollback


class Command(BaseCommand):
    help = "Promote VERSION to champion, --rollback to the previous champion, or --list the versions."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("version", nargs="?", type=int, help="Id of the version to promote.")
        parser.add_argument("--rollback", action="store_true", help="Bring back the previous champion.")
        parser.add_argument("--list", action="store_true", help="List the registered versions.")

    def handle(self, *args: Any, version: int | None, rollback: bool, list: bool, **options: Any) -> None:
        if list:
            for v in ModelVersion.objects.order_by("-created"):
                auc = v.metrics.get("auc")
                self.stdout.write(f"{v.pk:>4}  {v.status:<9}  {v.name:<10}  AUC {auc if auc is None else f'{auc:.4f}'}  "
                                  f"{v.device:<5}  {v.created:%Y-%m-%d %H:%M}  {v.promotion_note}")
            return
        if rollback:
            try:
                restored = model_version_rollback()
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(self.style.SUCCESS(f"rolled back: version {restored.pk} ({restored.name}) is champion"))
            return
        if version is None:
            raise CommandError("give a version id, --rollback or --list")
        target = ModelVersion.objects.filter(pk=version).first()
        if target is None:
            raise CommandError(f"no model version {version}; see promote_model --list")
        try:
            model_version_promote(version=target)
        except Exception as exc:
            raise CommandError(f"cannot promote version {version}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"version {version} ({target.name}) is champion"))
