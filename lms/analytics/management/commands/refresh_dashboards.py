"""Run the dashboards' rollups now (the worker runs them every few minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lms.analytics.services import analytics_refresh, model_health_check


class Command(BaseCommand):
    help = "Bring the dashboards' rollups up to date, and check the learner model on live answers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-model-check", action="store_true", help="Skip the live check of the model.")

    def handle(self, *args: Any, no_model_check: bool, **options: Any) -> None:
        report = analytics_refresh(progress=options["verbosity"] > 0)
        if report.skipped:
            self.stdout.write("Another refresh is running; nothing done.")
            return
        self.stdout.write(f"{report.responses} new answers, {report.learner_days} learner-days, "
                          f"{report.enrollments} enrolments, {len(report.courses)} courses refreshed.")
        if not no_model_check:
            check = model_health_check()
            self.stdout.write("No model trained yet." if check is None else
                              f"Live AUC {check.live_auc} on {check.responses} answers.")
