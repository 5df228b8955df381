from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from adaptive.core.learners.base import current_name
from adaptive.models import (
    Assignment,
    Decision,
    LearnerState,
    ModelVersion,
    TrainingRun,
)
from adaptive.services import model_version_promote, training_run_start
from lms.http import signed_in_user


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["id", "learner_model", "status", "auc", "logloss", "device", "training_time", "created",
                    "promoted_at", "why"]
    list_filter = ["status", "name", "device"]
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ["promote"]

    @admin.display(description="Learner model", ordering="name")
    def learner_model(self, version: ModelVersion) -> str:
        """The model's current name, also for a row written under a former one."""
        return current_name(version.name)

    @admin.display(description="Promotion note or refusal")
    def why(self, version: ModelVersion) -> str:
        return version.load_error or version.promotion_note or "–"

    @admin.display(description="Held-out AUC")
    def auc(self, version: ModelVersion) -> str:
        value = version.metrics.get("auc")
        return "–" if value is None else f"{value:.4f}"

    @admin.display(description="Training time", ordering="train_seconds")
    def training_time(self, version: ModelVersion) -> str:
        return duration_text(version.train_seconds)

    @admin.display(description="Log-loss")
    def logloss(self, version: ModelVersion) -> str:
        value = version.metrics.get("logloss")
        return "–" if value is None else f"{value:.4f}"

    @admin.action(description="Promote the selected version to champion")
    def promote(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to promote.", messages.ERROR)
            return
        version = queryset.get()
        try:
            model_version_promote(version=version)
        except Exception as exc:  # noqa: BLE001 - show why the artifact was refused
            self.message_user(request, f"Version {version.pk} was not promoted: {exc}", messages.ERROR)
            return
        self.message_user(request, f"Version {version.pk} is now the champion.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def duration_text(seconds: float | None) -> str:
    """``258.157`` reads "4 min 18 s"; under a minute, "42 s" (or "0.4 s")."""
    if seconds is None:
        return "–"
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {secs} s"


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """Retraining from the admin: "Start retraining" queues a run; the page shows its progress."""

    list_display = ["id", "model_name", "status", "progress_bar", "message", "device", "created", "finished_at",
                    "model_version"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in TrainingRun._meta.fields]
    change_list_template = "admin/adaptive/trainingrun/change_list.html"

    @admin.display(description="Progress")
    def progress_bar(self, run: TrainingRun) -> str:
        percent = round(run.progress * 100)
        return format_html('<progress max="100" value="{}" aria-label="{}%"></progress> {}%', percent, percent,
                           percent)

    def get_urls(self) -> list[Any]:
        return [path("start/", self.admin_site.admin_view(self.start), name="adaptive_trainingrun_start"),
                *super().get_urls()]

    def start(self, request: HttpRequest) -> HttpResponseRedirect:
        if request.method != "POST" or not self.has_view_permission(request):
            return HttpResponseRedirect(reverse("admin:adaptive_trainingrun_changelist"))
        run = training_run_start(requested_by=signed_in_user(request))
        self.message_user(request, f"Training run {run.pk} is queued; this page shows its progress.",
                          messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:adaptive_trainingrun_changelist"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["created", "user", "kind", "course", "question", "module", "reason", "source", "model_version"]
    list_filter = ["kind", "source", "course"]
    search_fields = ["user__username", "reason"]
    date_hierarchy = "created"
    readonly_fields = [f.name for f in Decision._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(LearnerState)
class LearnerStateAdmin(admin.ModelAdmin):
    list_display = ["user", "model_version", "responses_seen", "last_response_id", "updated"]
    search_fields = ["user__username"]
    readonly_fields = ["user", "model_version", "responses_seen", "last_response_id", "mastery", "peak_mastery",
                       "updated"]
    exclude = ["state"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["module", "learner", "team", "due", "assigned_by", "created"]
    list_filter = ["module__course"]
    autocomplete_fields = ["learner"]
    raw_id_fields = ["module"]
